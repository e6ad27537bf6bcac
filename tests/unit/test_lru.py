from lsp_server.lru import LRU


def test_the_least_recently_used_entry_is_forgotten_first():
    cache: LRU[str, int] = LRU(2)
    cache["a"] = 1
    cache["b"] = 2
    assert cache.get("a") == 1  # "a" is now the newer of the two
    cache["c"] = 3
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3 and len(cache) == 2
    assert cache.get("b") is None and cache.get("b", 0) == 0


def test_a_cached_none_is_told_apart_from_absence_by_in():
    cache: LRU[str, str | None] = LRU(4)
    cache["name"] = None  # jedi found no definition: remembered, not asked again
    assert "name" in cache and cache.get("name", "absent") is None
