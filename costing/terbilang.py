"""Terbilang: an amount written in Indonesian words, as on a RAB, a receipt or a berita acara.

Rules (PUEBI practice): satu ... sembilan, sepuluh, sebelas, "dua belas" ... "sembilan belas",
"dua puluh" ..., "seratus" and "seribu" (never "satu ratus", "satu ribu"), but "satu juta",
"satu miliar", "satu triliun"; groups of three digits named ribu, juta, miliar, triliun. Beyond
999 triliun the count of trillions is itself written out ("seribu triliun"), so every int has
words. Lower case; a document capitalises the first letter where it needs to.
"""

from __future__ import annotations

from costing.money import whole_number

_DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu"))


def _below_thousand(n: int) -> list[str]:
    """Words for 1 <= n <= 999 (nothing for 0)."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [_DIGITS[hundreds], "ratus"]
    tens, ones = divmod(rest, 10)
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif tens == 1:
        words += [_DIGITS[ones], "belas"]
    else:
        if tens > 1:
            words += [_DIGITS[tens], "puluh"]
        if ones:
            words.append(_DIGITS[ones])
    return words


def _words(n: int) -> list[str]:
    """Words for n >= 1."""
    words: list[str] = []
    for size, name in _SCALES:
        count, n = divmod(n, size)
        if not count:
            continue
        if size == 10**3 and count == 1:
            words.append("seribu")
        elif size == 10**12:
            words += _words(count) + [name]  # a thousand trillion and more: "seribu triliun"
        else:
            words += _below_thousand(count) + [name]
    return words + _below_thousand(n)


def terbilang(n: int) -> str:
    """`n` in Indonesian words: 1234567 -> "satu juta dua ratus tiga puluh empat ribu lima ratus enam puluh tujuh".

    Zero is "nol"; a negative number starts with "minus". Accepts an int (or a whole Decimal or
    numeric string); anything else raises CostingError.
    """
    n = whole_number(n, field="amount")
    if n == 0:
        return _DIGITS[0]
    if n < 0:
        return "minus " + " ".join(_words(-n))
    return " ".join(_words(n))


def terbilang_rupiah(n: int) -> str:
    """`terbilang(n)` + " rupiah": the line under a total on a printed document."""
    return terbilang(n) + " rupiah"
