"""What a reader can work out from a totalled table with hidden cells.

Every row and column says "cells add up to the total"; a reader also knows that "<5" is 0 to 4
and "x" is at least 5. A table with its margins is a flow network (rows to columns, margins as
the flows in and out), so the values a hidden cell can take form an unbroken range of integers:
a small cell is safe when its true value plus or minus one still fits, which a feasible
circulation (max-flow with lower bounds) decides exactly.
"""

from __future__ import annotations

from collections import deque

Cell = tuple[int, int]
Bounds = dict[Cell, tuple[int, int]]
UNBOUNDED = 10**9  # a reader does not know how large an "x" is


def lines(rows: int, cols: int) -> list[list[Cell]]:
    """Every row (and, with 2+ rows, every column) as its cells followed by its total cell."""
    across = [[(i, j) for j in range(cols)] for i in range(rows)]
    if rows < 2:
        return across
    return across + [[(i, j) for i in range(rows)] for j in range(cols)]


def exposed(cells: list[list[int]], hidden: list[list[bool]], threshold: int) -> list[Cell]:
    """Hidden small cells whose exact value follows from what is shown (tables of 2+ rows)."""
    if len(cells) < 2:
        return []  # one line alone is judged exactly by Disclosure.safe
    bounds: Bounds = {}
    for i, row in enumerate(cells):
        for j, value in enumerate(row):
            if not hidden[i][j]:
                bounds[(i, j)] = (value, value)
            else:
                small = value < threshold
                bounds[(i, j)] = (0, threshold - 1) if small else (threshold, UNBOUNDED)
    pinned = []
    for (i, j), (low, high) in bounds.items():
        if not hidden[i][j] or high >= threshold:
            continue
        value = cells[i][j]
        others = [v for v in (value - 1, value + 1) if low <= v <= high]
        if not any(feasible(cells, {**bounds, (i, j): (v, v)}) for v in others):
            pinned.append((i, j))
    return pinned


def feasible(cells: list[list[int]], bounds: Bounds) -> bool:
    """Whether some table within `bounds` adds up along every row and column."""
    rows, cols = len(cells) - 1, len(cells[0]) - 1
    source, sink = 0, 1
    row_node = [2 + i for i in range(rows)]
    col_node = [2 + rows + j for j in range(cols)]
    edges = [(source, row_node[i], bounds[(i, cols)]) for i in range(rows)]
    edges += [(row_node[i], col_node[j], bounds[(i, j)]) for i in range(rows) for j in range(cols)]
    edges += [(col_node[j], sink, bounds[(rows, j)]) for j in range(cols)]
    edges.append((sink, source, bounds[(rows, cols)]))
    return _circulation(2 + rows + cols, edges)


def _circulation(nodes: int, edges: list[tuple[int, int, tuple[int, int]]]) -> bool:
    """A circulation meeting every edge's (low, high) exists (the lower-bounds reduction)."""
    size = nodes + 2
    start, end = nodes, nodes + 1
    capacity = [[0] * size for _ in range(size)]
    excess = [0] * nodes
    for u, v, (low, high) in edges:
        if low > high:
            return False
        capacity[u][v] += high - low
        excess[v] += low
        excess[u] -= low
    for node, amount in enumerate(excess):
        if amount > 0:
            capacity[start][node] += amount
        elif amount < 0:
            capacity[node][end] -= amount
    needed = sum(a for a in excess if a > 0)
    return _max_flow(capacity, start, end) == needed


def _max_flow(capacity: list[list[int]], start: int, end: int) -> int:
    """Edmonds-Karp on a small dense graph (tables have a handful of rows and columns)."""
    flow = 0
    size = len(capacity)
    while True:
        parent = [-1] * size
        parent[start] = start
        queue = deque([start])
        while queue and parent[end] == -1:
            u = queue.popleft()
            for v in range(size):
                if parent[v] == -1 and capacity[u][v] > 0:
                    parent[v] = u
                    queue.append(v)
        if parent[end] == -1:
            return flow
        push, v = UNBOUNDED * size, end
        while v != start:
            push = min(push, capacity[parent[v]][v])
            v = parent[v]
        v = end
        while v != start:
            capacity[parent[v]][v] -= push
            capacity[v][parent[v]] += push
            v = parent[v]
        flow += push
