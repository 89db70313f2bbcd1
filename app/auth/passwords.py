"""Password hashing, and the one password policy: every new password (a user made, a reset, a change) passes it."""

from __future__ import annotations

import re
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kernel.messages import N_, Message

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

# Verified against when the username is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("japra-no-such-user")

MIN_LENGTH = 10

# Words people here pick first, which no English-language list holds: the cooperatives' and the places' names, the
# country, the city, a blessing, "password" and "secret" in Indonesian. Refused alone or with only digits and
# signs added (Jakarta2026!, japra_12345, 2026-bismillah), which is how they get to ten characters; a phrase
# that merely contains one (kunir-pohon-mangga) is fine. Compared by letters only, in lower case.
LOCAL_WORDS = frozenset({
    "japra", "akuarium", "kampungakuarium", "marlina", "kampungmarlina", "kunir", "kampungkunir", "kampung",
    "kampungsusun", "koperasi", "indonesia", "jakarta", "bismillah", "alhamdulillah", "merdeka", "katasandi",
    "rahasia", "sandi", "sayang", "cinta", "admin", "administrator",
})
_NOT_LETTERS = re.compile(r"[^a-z]+")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """zxcvbn's list of the 30 000 passwords most found in leaks (lower case), loaded on the first check."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def weakness(password: str) -> Message | None:
    """Why `password` may not be used, or None: shorter than MIN_LENGTH, or one that is guessed first (on the list
    of common passwords, compared case-insensitively, or a local word with only digits and signs added)."""
    if len(password) < MIN_LENGTH:
        return Message("password.short", N_("The password must be at least {n} characters long."), {"n": MIN_LENGTH})
    lowered = password.lower()
    if lowered in _common_passwords() or _NOT_LETTERS.sub("", lowered) in LOCAL_WORDS:
        return Message("password.common", N_("This password is on a list of common passwords, which are tried "
                                             "first; choose another."))
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
