"""The tree-sitter adapter: node text, byte ↔ code-point positions (Chinese names and strings make
them differ), walks, errors, decorators and the class reader shared by the glossary and the
data-model reader."""

from __future__ import annotations

from lsp_server.context.syntax import SyntaxTree
from lsp_server.context.treesitter import (
    Lines,
    assignment_of,
    byte_offset,
    count_errors,
    decorator_name,
    decorators_of,
    error_count_of,
    first_error,
    is_docstring,
    line_of,
    node_text,
    nodes_of_type,
    parse,
    point_at,
    read_class,
    split_arguments,
    unwrap_decorated,
    walk,
    walk_fields,
)

SOURCE = '''\
"""会员模块 🎁"""
import os


@dataclass(frozen=True)
@注册
class 订单(Base, 混入, metaclass=Meta):  # 注释
    """订单。"""

    编号: str = "订单号"
    total: int
    PAID = 1
    a, b = 1, 2
    self.x = 3

    def 合计(self) -> int:
        return self.total
'''

DATA = SOURCE.encode("utf-8")


def _root():
    return parse(SOURCE).root_node


def _first(type_: str):
    return next(nodes_of_type(_root(), (type_,)))


def test_node_text_is_the_source_as_written_and_empty_for_a_missing_node():
    cls = _first("class_definition")
    assert node_text(cls.child_by_field_name("name")) == "订单"
    assert node_text(_first("string")) == '"""会员模块 🎁"""'
    assert node_text(None) == ""


def test_byte_offsets_differ_from_str_offsets_after_chinese_text():
    text = 'x = "中文"; y = 1'
    assert byte_offset(text, text.index("y")) == text.index("y") + 4  # two characters, six bytes
    assert byte_offset(text, 0) == 0
    assert byte_offset("", 0) == 0


def test_point_at_gives_tree_sitter_byte_columns():
    text = "a = 1\n名字 = 2\n"
    assert tuple(point_at(text, text.index("="))) == (0, 2)
    assert tuple(point_at(text, text.index("= 2"))) == (1, 7)  # 名字 and a space: 6 + 1 bytes
    assert tuple(point_at(text, len(text))) == (2, 0)


def test_line_of_a_byte_offset():
    assert line_of(DATA, DATA.index("订单(".encode())) == "class 订单(Base, 混入, metaclass=Meta):  # 注释"
    assert line_of(b"last", 2) == "last"
    assert line_of(b"a\n", 2) == ""


def test_columns_in_code_points_and_utf16_units():
    lines = Lines(DATA)
    doc = _first("string")  # after `"""会员模块 ` comes the emoji: one code point, two UTF-16 units
    emoji = DATA.index("🎁".encode())
    assert lines.columns(0, emoji) == (8, 8)
    assert lines.columns(0, doc.end_point[1]) == (12, 13)
    assert lines.column(2, 0) == 0
    assert lines.columns(99, 5) == (5, 5)  # past the end: as tree-sitter said


def test_node_starts_and_byte_offsets_to_code_point_positions():
    lines = Lines(DATA)
    cls = read_class(_first("class_definition"))
    assert cls is not None
    assert lines.start(cls.name) == (6, 6)
    mixin = cls.bases[1]
    assert node_text(mixin) == "混入"
    assert lines.start(mixin) == (6, 15)  # bytes: 6 + 6 ("订单") + 1 + 4 ("Base") + 2
    assert mixin.start_point[1] == 19
    assert lines.position(mixin.start_byte) == (6, 15)
    assert lines.position(mixin.end_byte) == (6, 17)
    assert lines.position(0) == (0, 0)
    assert lines.position(len(DATA)) == (SOURCE.count("\n"), 0)


def test_positions_of_a_file_without_a_final_newline():
    data = "名 = 1\nx".encode()
    lines = Lines(data)
    assert lines.position(len(data)) == (1, 1)
    assert lines.position(data.index(b"\n")) == (0, 5)  # the end of the first line


def test_walk_is_parents_first_in_source_order():
    root = parse("def f():\n    if a:\n        b()\n    return c\n").root_node
    types = [node.type for node in walk(root)]
    assert types[:3] == ["module", "function_definition", "identifier"]
    assert types.index("if_statement") < types.index("call") < types.index("return_statement")
    names = [node_text(node) for node in nodes_of_type(root, ("identifier",))]
    assert names == ["f", "a", "b", "c"]


def test_walk_goes_below_only_where_told():
    root = parse("def f():\n    def g():\n        x = 1\n    y = 2\n").root_node
    outer = next(nodes_of_type(root, ("function_definition",)))
    body = outer.child_by_field_name("body")
    assert body is not None
    kept = nodes_of_type(body, ("identifier",), into=lambda node: node.type != "function_definition")
    assert [node_text(node) for node in kept] == ["y"]


def test_a_deep_expression_walks_without_recursion():
    root = parse("x = " + "(" * 2000 + "1" + ")" * 2000 + "\n").root_node
    assert sum(1 for _ in walk(root)) > 2000
    assert sum(1 for _ in walk_fields(root)) > 2000


def test_walk_fields_gives_field_names_and_ancestors():
    seen = {
        node_text(node): (field, [ancestor.type for ancestor in ancestors][-2:])
        for node, field, ancestors in walk_fields(parse("obj.name = f(key=名)\n").root_node)
        if node.type == "identifier"
    }
    assert seen["obj"] == ("object", ["assignment", "attribute"])
    assert seen["name"] == ("attribute", ["assignment", "attribute"])
    assert seen["key"] == ("name", ["argument_list", "keyword_argument"])
    assert seen["名"] == ("value", ["argument_list", "keyword_argument"])
    first = next(walk_fields(parse("x\n").root_node))
    assert first[0].type == "module" and first[1] is None and first[2] == []


def test_the_first_error_of_a_file_with_a_syntax_error():
    text = '名字 = "中文"\nprint(名字 +)\nclass A:\n    pass\n'
    root = parse(text).root_node
    error = first_error(root)
    assert error is not None and error.type == "ERROR"
    assert tuple(error.start_point) == (1, 13)  # `+`, after `print(` (6 bytes), 名字 (6) and a space
    assert Lines(text.encode("utf-8")).start(error) == (1, 9)
    assert count_errors(root) == error_count_of(text) == 1
    assert read_class(root.named_children[-1]) is not None  # what follows still reads


def test_a_clean_file_has_no_error():
    root = _root()
    assert first_error(root) is None
    assert count_errors(root) == 0
    assert error_count_of(SOURCE) == 0


def test_decorated_definitions_unwrap_to_their_definition():
    decorated = _first("decorated_definition")
    decorators, definition = unwrap_decorated(decorated)
    assert definition is not None and definition.type == "class_definition"
    assert [decorator_name(d) for d in decorators] == ["dataclass(frozen=True)", "注册"]
    assert decorators_of(definition) == decorators
    function = _first("function_definition")
    assert unwrap_decorated(function) == ([], function)
    assert decorators_of(function) == []


def test_docstrings_are_lone_string_statements():
    statements = _root().named_children
    assert is_docstring(statements[0])
    assert not is_docstring(statements[1])  # the import
    assert not is_docstring(parse('"a", 1\n').root_node.named_children[0])  # a tuple
    assert not is_docstring(parse('f"{x}" + "y"\n').root_node.named_children[0])


def test_split_arguments_into_positional_and_keywords():
    call = next(nodes_of_type(parse("f(a, *rest,  # 注释\n  名=1, **extra)\n").root_node, ("call",)))
    positional, keywords = split_arguments(call.child_by_field_name("arguments"))
    assert [node_text(node) for node in positional] == ["a", "*rest", "**extra"]
    assert [(node_text(name), node_text(value)) for name, value in keywords] == [("名", "1")]
    assert split_arguments(None) == ([], [])


def test_assignments_of_one_name():
    def assigned(text: str):
        found = assignment_of(parse(text).root_node.named_children[0])
        return found and (node_text(found.name), node_text(found.annotation), node_text(found.value))

    assert assigned("名: 类型 = 值\n") == ("名", "类型", "值")
    assert assigned("total: int\n") == ("total", "int", "")
    assert assigned("a = b = 1\n") == ("a", "", "b = 1")  # chained: the value is the inner assignment
    assert assigned("a, b = 1, 2\n") is None
    assert assigned("self.x = 3\n") is None
    assert assigned("x += 1\n") is None
    assert assigned("f(x)\n") is None
    assert assigned("import os\n") is None


def test_read_a_decorated_class():
    decorated = _first("decorated_definition")
    cls = read_class(decorated)
    assert cls is not None
    assert read_class(cls.node) == cls  # from the definition itself: the same parts
    assert node_text(cls.name) == "订单"
    assert [node_text(base) for base in cls.bases] == ["Base", "混入"]
    assert [(node_text(k), node_text(v)) for k, v in cls.keywords] == [("metaclass", "Meta")]
    assert [decorator_name(d) for d in cls.decorators] == ["dataclass(frozen=True)", "注册"]
    assert is_docstring(cls.body[0])
    assert cls.body[-1].type == "function_definition"
    fields = [(node_text(f.name), node_text(f.annotation), node_text(f.value)) for f in cls.fields]
    assert fields == [("编号", "str", '"订单号"'), ("total", "int", ""), ("PAID", "", "1")]


def test_read_class_refuses_what_is_not_a_class():
    assert read_class(_first("function_definition")) is None
    assert read_class(parse("@d\ndef f(): pass\n").root_node.named_children[0]) is None
    plain = read_class(parse("class A: pass\n").root_node.named_children[0])
    assert plain is not None
    assert (plain.bases, plain.keywords, plain.decorators, plain.fields) == ([], [], [], [])


def test_the_document_tree_follows_edits_in_chinese_text():
    syntax = SyntaxTree('import os\n名 = "中文"\n')
    syntax.update('import os\n名 = "中文字"\nimport sys\n\nclass 类:\n    def 方法(self):\n        pass\n')
    assert str(syntax.tree.root_node) == str(parse(syntax.text).root_node)
    assert syntax.imports() == ["import os", "import sys"]
    inside = syntax.text.index("pass")
    assert [d.header for d in syntax.enclosing_definitions(inside)] == ["class 类:", "    def 方法(self):"]
    assert syntax.byte_offset(inside) == len(syntax.text[:inside].encode("utf-8"))
