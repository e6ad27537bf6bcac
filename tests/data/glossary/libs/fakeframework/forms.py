"""A framework's file: its words (choices, help text, widget) are in every one of them."""


class Choices:
    choices = ()
    help_text = ""


def widget(choices, help_text):
    return Choices(choices, help_text)
