"""Turn restrictions (OSM ``type=restriction`` relations with a via node), by node splitting.

A restriction says that, arriving at the *via* node along the *from* way, a car may not
leave along the *to* way (``no_*``), or may leave along it only (``only_*``). OSRM's car
profile reads ``restriction`` and ``restriction:motorcar`` (``restriction:<other vehicle>``
does not apply) and skips a relation whose ``except`` names ``motorcar`` or ``motor_vehicle``;
so do we.

The shortest-path kernel has no notion of turns, so each restricted via node ``v`` is split:
the arc ``u → v`` of every incoming road becomes ``u → v_u`` into its own copy of ``v``, and
``v_u`` gets the arcs ``v_u → w`` of the turns allowed after arriving from ``u``. The original
``v`` keeps no arc, so it leaves the largest strongly connected component and no point snaps
to it. Plain Dijkstra on the split graph is then exact for these restrictions. Restrictions
whose via is a way, or whose ways do not meet the via node in the graph (clipped away,
simplified, not drivable), are counted in ``TurnRestrictions.skipped``, never applied halfway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .graph import RoadGraph

log = logging.getLogger(__name__)

#: Vehicle keys whose restrictions apply to cars, most specific first.
_RESTRICTION_KEYS = ("restriction:motorcar", "restriction")
_EXEMPT = {"motorcar", "motor_vehicle"}


@dataclass(frozen=True)
class Restriction:
    """One turn restriction: ``kind`` ``no`` or ``only``, ways and via node by OSM id."""

    kind: str
    from_way: int
    via_node: int
    to_way: int


@dataclass
class TurnRestrictions:
    """The restrictions read from a file, and how many could not be used (by reason)."""

    items: list[Restriction] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def read(self, relation) -> None:
        """Add a pyosmium relation if it is a car turn restriction (module doc)."""
        tags = relation.tags
        if tags.get("type") != "restriction":
            return
        value = next((tags.get(k) for k in _RESTRICTION_KEYS if k in tags), None)
        if value is None:
            return
        if _EXEMPT & {part.strip() for part in str(tags.get("except", "")).split(";")}:
            return
        kind = value.split("_", 1)[0]
        if kind not in ("no", "only"):
            self.skip("type de restriction inconnu")
            return
        roles: dict[str, list] = {"from": [], "via": [], "to": []}
        for member in relation.members:
            if member.role in roles:
                roles[member.role].append((member.type, member.ref))
        if any(t == "w" for t, _ in roles["via"]):
            self.skip("voie intermédiaire (via way)")
            return
        if not (len(roles["from"]) == len(roles["via"]) == len(roles["to"]) == 1
                and roles["from"][0][0] == roles["to"][0][0] == "w" and roles["via"][0][0] == "n"):
            self.skip("membres incomplets")
            return
        self.items.append(Restriction(kind, roles["from"][0][1], roles["via"][0][1], roles["to"][0][1]))


def _neighbour(way_nodes: np.ndarray, via_id: int, graph_ids: set[int]) -> int | None:
    """The first graph node along ``way_nodes`` from the via node (the way must end or start
    at the via node, as the OSM rules ask; else None)."""
    if len(way_nodes) < 2:
        return None
    if way_nodes[0] == via_id:
        walk = way_nodes[1:]
    elif way_nodes[-1] == via_id:
        walk = way_nodes[-2::-1]
    else:
        return None
    return next((int(n) for n in walk if int(n) in graph_ids), None)


def apply_restrictions(graph: RoadGraph, restrictions: TurnRestrictions, way_nodes) -> RoadGraph:
    """The graph with its restricted via nodes split (module doc). ``way_nodes`` maps an OSM
    way id to its node ids."""
    graph.provenance["turn_restrictions_skipped"] = restrictions.skipped
    if not restrictions.items or graph.node_id is None:
        return graph
    from .build import graph_from_arcs

    position = {int(k): i for i, k in enumerate(graph.node_id)}
    graph_ids = set(position)
    by_via: dict[int, list[tuple[str, int, int]]] = {}
    for r in restrictions.items:
        if r.via_node not in position or r.from_way not in way_nodes or r.to_way not in way_nodes:
            restrictions.skip("hors du graphe (découpé ou non carrossable)")
            continue
        u = _neighbour(np.asarray(way_nodes[r.from_way]), r.via_node, graph_ids)
        w = _neighbour(np.asarray(way_nodes[r.to_way]), r.via_node, graph_ids)
        if u is None or w is None:
            restrictions.skip("voies ne touchant pas le nœud")
            continue
        by_via.setdefault(position[r.via_node], []).append((r.kind, position[u], position[w]))
    if not by_via:
        return graph
    graph.provenance["turn_restrictions_skipped"] = restrictions.skipped
    tail, head, time_s = graph.arcs()
    keep = ~(np.isin(tail, list(by_via)) | np.isin(head, list(by_via)))
    new_tail, new_head, new_time = [tail[keep]], [head[keep]], [time_s[keep]]
    x, y, node_id = list(graph.x), list(graph.y), list(graph.node_id)
    for v, rules in by_via.items():
        incoming = np.flatnonzero(head == v)
        outgoing = np.flatnonzero(tail == v)
        for a in incoming:
            u = int(tail[a])
            only = {w for kind, src, w in rules if src == u and kind == "only"}
            banned = {w for kind, src, w in rules if src == u and kind == "no"}
            copy = len(x)
            x.append(graph.x[v])
            y.append(graph.y[v])
            node_id.append(graph.node_id[v])
            new_tail.append(np.array([u]))
            new_head.append(np.array([copy]))
            new_time.append(np.array([time_s[a]]))
            for b in outgoing:
                w = int(head[b])
                if (only and w not in only) or w in banned:
                    continue
                new_tail.append(np.array([copy]))
                new_head.append(np.array([w]))
                new_time.append(np.array([time_s[b]]))
    log.info("turn restrictions: %d via nodes split, skipped %s", len(by_via), restrictions.skipped)
    return graph_from_arcs(np.array(x), np.array(y), np.concatenate(new_tail), np.concatenate(new_head),
                           np.concatenate(new_time), source=graph.source, crs=graph.crs,
                           provenance=graph.provenance | {"turn_restrictions": sum(len(r) for r in by_via.values())},
                           node_id=np.array(node_id))
