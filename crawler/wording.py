"""How the commands word what they tell people: counts and one-line errors."""


def counted(number: int, noun: str) -> str:
    """`1 article`, `2 articles`."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def one_line(error: object) -> str:
    """An error's message on one line (a command's last line), or its type when it has none."""
    return " ".join(str(error).split()) or type(error).__name__
