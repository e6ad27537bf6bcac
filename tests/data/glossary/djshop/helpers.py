from fakeframework.fields import Choices


def display(choices: Choices, help_text: str) -> str:
    return f"{choices} {help_text}"


class Widget:
    choices: Choices
