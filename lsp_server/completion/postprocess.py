"""Shape raw model output into what an editor should show at the cursor.

A small model rambles: it runs past the end of the block, repeats the line after the cursor,
or continues a one-line edit onto new lines. These rules cut that back so the ghost text is
something a user would accept as is.
"""

from __future__ import annotations

MAX_LINES = 12


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def single_line(line_before: str, line_after: str) -> bool:
    """Mid-statement (text before or after the cursor on its line): complete this line only.
    On a blank line: complete a block."""
    return bool(line_before.strip() or line_after.strip())


def _open_brackets(text: str) -> int:
    """Brackets opened and not yet closed, outside string literals (roughly: enough to tell that a
    call continues on the next line)."""
    depth, quote, i = 0, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif text.startswith(quote, i):
                i += len(quote) - 1
                quote = ""
        elif ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            i += len(quote) - 1
        elif ch == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        i += 1
    return depth


class BlockEnd:
    """Watches text as it is generated and says when to stop: the line is done (single-line), or
    the enclosing block has ended or grown too long (multi-line). Generation is the slow part on
    a CPU, so not generating what `shape` would cut anyway is the biggest latency saving."""

    def __init__(self, line_before: str, line_after: str, first_line: bool = False) -> None:
        self.line_before, self.line_after = line_before, line_after
        self.single = single_line(line_before, line_after)
        self.base = indent_of(line_before) if line_before.strip() else len(line_before)
        self.first_line = first_line  # stop after the first line that says something
        self.text = ""

    def __call__(self, piece: str) -> bool:
        self.text += piece
        if "\n" not in self.text:
            return False
        if self.single:
            return True
        lines = self.text.split("\n")
        if self.first_line:  # the first statement that says something: brackets closed, a body begun
            done = "\n".join(lines[:-1])
            whole = _open_brackets(done) <= 0 and not done.rstrip().endswith((":", "\\"))
            return bool(done.strip()) and (whole or len(lines) > MAX_LINES)
        finished = lines[1:-1]  # whole lines after the cursor's line
        if any(line.strip() and indent_of(line) < self.base for line in finished):
            return True
        return len(finished) >= MAX_LINES or (
            len(lines) > 2 and not lines[-2].strip() and not lines[-3].strip()
        )


def shape(completion: str, line_before: str, line_after: str, suffix: str) -> str:
    """Return the part of `completion` worth showing, given the cursor's line and what follows."""
    text = completion.replace("\r\n", "\n")
    if single_line(line_before, line_after):
        # Text right of the cursor: the completion must fit inside this line.
        text = text.split("\n", 1)[0]
        if line_after.strip() and text.endswith(line_after.strip()):
            text = text[: len(text) - len(line_after.strip())]
        return text.rstrip()
    lines = text.split("\n")
    base = indent_of(line_before) if line_before.strip() else len(line_before)
    if lines[0].rstrip().endswith(":") and _body_follows(suffix, base):
        return lines[0].rstrip()  # the header of the body below: its own body would come twice
    kept = [lines[0]]
    for line in lines[1:]:
        if line.strip() and indent_of(line) < base:
            break  # left the enclosing block
        kept.append(line)
        if len(kept) >= MAX_LINES:
            break
    kept = _drop_repeats(_cut_suffix_copy(kept, suffix))
    while kept and not kept[-1].strip():
        kept.pop()
    result = "\n".join(line.rstrip() for line in kept) if len(kept) > 1 else "\n".join(kept)
    return _trim_suffix_overlap(result, suffix)


def _drop_repeats(lines: list[str]) -> list[str]:
    """Cut at the first non-blank line that repeats an earlier one (a looping model)."""
    seen: set[str] = set()
    for i, line in enumerate(lines):
        key = line.strip()
        if key and key in seen and len(key) > 3:
            return lines[:i]
        seen.add(key)
    return lines


def _body_follows(suffix: str, base: int) -> bool:
    """Whether the next line of code after the cursor's line is indented deeper than the cursor:
    then the line written here can only be that block's header (anything else would make the
    indent below an error)."""
    for line in suffix.split("\n")[1:]:
        if line.strip() and not line.lstrip().startswith("#"):
            return indent_of(line) > base
    return False


def _cut_suffix_copy(lines: list[str], suffix: str) -> list[str]:
    """Cut where the completion starts writing out the code that follows the cursor. Filling a
    gap between lines, a model writes the missing line and then, as often as not, the lines below
    it again, at their own indentation: the document already has those."""
    following = next((line.rstrip() for line in suffix.split("\n") if line.strip()), "")
    for i, line in enumerate(lines[1:], 1):
        if following and line.rstrip() == following:
            return lines[:i]
    return lines


def _trim_suffix_overlap(text: str, suffix: str) -> str:
    """Drop trailing completion lines that the document already has right after the cursor (at
    the same depth: `return x` inside a new `if` is not the `return x` below it)."""
    following = [line.rstrip() for line in suffix.split("\n") if line.strip()][:3]
    lines = text.split("\n")
    while len(lines) > 1 and following and lines[-1].rstrip() in following:
        lines.pop()
    return "\n".join(lines)


def held_back(line_before: str) -> str:
    """The blank that the prompt leaves out before the cursor: BPE tokenizers glue one space to
    the following word ("       " + " return"), so a prompt ending in that space would ask
    the model for an unnatural token split. Indentation itself stays in the prompt."""
    return " " if line_before.endswith(" ") else ""


def heal_blanks(generated: str, held: str) -> str:
    """Remove from the model's output the blank the user had typed but the prompt left out."""
    return generated[len(held) :] if held and generated.startswith(held) else generated
