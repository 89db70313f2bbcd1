"""Members' instalment plans for their units, the payments on them, and arrears."""
