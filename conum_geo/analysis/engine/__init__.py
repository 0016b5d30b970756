"""Travel-time engine: snapping and shortest paths on a CSR graph.

Modules: ``snapping`` (points onto the graph), ``sweeps`` (multi-source searches),
``partitions`` (bounded searches cut into self-contained parts), ``tables`` (time tables).

All searches run in ``scipy.sparse.csgraph`` (compiled Dijkstra on the graph's CSR arrays). A
point (site or commune origin) is snapped to the graph's big strongly connected components
(``RoadGraph.snappable``: an island keeps its points, a small fragment never takes them): on
real roads onto the nearest road segment, which it splits (it joins both ends, as the segment's
one-ways allow, and every search takes the faster), on the proxy network to the nearest node;
its off-network leg (straight distance at a stated speed) is part of every time it takes part
in.

- ``nearest_source``: one multi-source sweep gives every target its nearest source and the
  time. Sources enter through one *virtual node* each, joined to the node(s) they attach to
  by arcs weighted by their legs, so the sweep is exact with legs and says which source won.
- ``group_time_table``: one multi-source search per group of sources (sources that open and
  close together, e.g. an employer's sites), bounded by ``cutoff_s``: every target's time to
  the nearest source of each group.
- ``time_table``: one search per distinct start (a node, or both ends of a split road)
  bounded by ``cutoff_s`` (``limit=``), giving the sparse long table ``(source, target,
  time_s)`` of pairs within the cutoff. Searches run in *partitions*: sources close to each
  other with the part of the graph they can reach in time (``RoadGraph.max_speed_ms`` bounds how far a trip goes; the whole graph at
  département scale), searched in ``dijkstra`` calls of a few megabytes whose rows are cut
  down to the targets' columns at once, so memory stays bounded and large graphs are not
  swept whole for every source. A partition is self-contained: with an ``executor`` they run
  on other processes or a Dask cluster. When the searches' work is large against the graph
  (or the graph is mostly chains) they run on the graph's *core* (``RoadGraph.core``: chains
  contracted, low-degree nodes eliminated with exact shortcuts, the sources' and targets'
  nodes kept; ``network.contract``, ``network.eliminate``).

Direction: ``toward_sources=True`` gives the time from each target *to* the source (people →
site: searches run on the reversed graph); ``False`` the time *from* the source (a base →
the communes it serves: forward graph). Unreachable is ``NaN`` (or absent from the table),
never a number.
"""

from .snapping import Snapped, snap
from .sweeps import group_time_table, nearest_source, sweep
from .tables import bounded_searches, time_table

__all__ = ["Snapped", "bounded_searches", "group_time_table", "nearest_source", "snap", "sweep", "time_table"]
