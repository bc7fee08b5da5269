using System.Text;

namespace JointOps.Server.Web;

internal readonly record struct Point(double X, double Y);

internal readonly record struct Box(double X, double Y, double Width, double Height)
{
    public double Right => X + Width;
    public double Bottom => Y + Height;
    public double CenterX => X + Width / 2;
    public double CenterY => Y + Height / 2;

    public static Box Around(Point center, double width, double height) =>
        new(center.X - width / 2, center.Y - height / 2, width, height);

    public double Overlap(Box other)
    {
        var width = Math.Min(Right, other.Right) - Math.Max(X, other.X);
        var height = Math.Min(Bottom, other.Bottom) - Math.Max(Y, other.Y);
        return width > 0 && height > 0 ? width * height : 0;
    }

    public Box Inflate(double left, double top, double right, double bottom) =>
        new(X - left, Y - top, Width + left + right, Height + top + bottom);

    public Box Union(Box other)
    {
        var x = Math.Min(X, other.X);
        var y = Math.Min(Y, other.Y);
        return new Box(x, y, Math.Max(Right, other.Right) - x, Math.Max(Bottom, other.Bottom) - y);
    }
}

internal enum EdgeRoute
{
    Down,
    Up,
    Self,
    Flat,
}

internal sealed record LayoutNodeSpec(double Width, double Height, bool Terminal);

internal sealed record LayoutEdgeSpec(int From, int To, double LabelWidth, double LabelHeight);

internal sealed record LayoutEdge(EdgeRoute Route, string Path, Box Label);

internal sealed record LayoutResult(IReadOnlyList<Box> Nodes, IReadOnlyList<LayoutEdge> Edges, Box Bounds, Point? Start);

/// <summary>
/// A layered (Sugiyama-style) layout, top to bottom: back edges found by depth-first search from the start step,
/// ranks by longest path over the remaining edges with terminal steps on the last rank, long edges split into
/// dummies (shared by edges to the same target, so they run as one trunk), barycenter sweeps with adjacent swaps
/// against crossings, x positions by Brandes–Köpf polished by a few least-squares sweeps, and labels placed greedily
/// near their source, clear of steps and other labels. Back edges run in lanes beside the steps they leave and
/// enter; a self-transition loops on its step's right.
/// </summary>
internal sealed class WorkflowDiagramLayout
{
    private const double NodeGap = 32;
    private const double NodeDummyGap = 18;
    private const double DummyGap = 12;
    private const double RankGap = 56;
    private const double LabelRoom = 9;
    private const double MaxRankGap = 130;
    private const double LaneBase = 14;
    private const double LaneStep = 10;
    private const double Turn = 6;
    private const double SoftWeight = 0.4;
    private const double LoopBulge = 36;
    private const double StartMarkerRise = 34;
    private const int OrderingSweeps = 24;
    private const int PolishSweeps = 4;

    private readonly IReadOnlyList<LayoutNodeSpec> _nodes;
    private readonly IReadOnlyList<LayoutEdgeSpec> _edges;
    private readonly int _start;
    private readonly List<Item> _items = [];
    private readonly List<List<int>> _ranks = [];
    private readonly Dictionary<(int Target, int Rank, bool Up), int> _dummies = [];
    private readonly int[] _rank;
    private readonly EdgeRoute[] _route;
    private readonly List<int>?[] _chain;
    private readonly int[] _discovered;
    private readonly bool[] _selfLoop;
    private double[] _rankTop = [];
    private double[] _rankHeight = [];

    private WorkflowDiagramLayout(IReadOnlyList<LayoutNodeSpec> nodes, IReadOnlyList<LayoutEdgeSpec> edges, int start)
    {
        _nodes = nodes;
        _edges = edges;
        _start = start;
        _rank = new int[nodes.Count];
        _route = new EdgeRoute[edges.Count];
        _chain = new List<int>?[edges.Count];
        _discovered = new int[nodes.Count];
        _selfLoop = new bool[nodes.Count];
        foreach (var edge in edges)
        {
            _selfLoop[edge.From] |= edge.From == edge.To;
        }
    }

    public static LayoutResult Compute(IReadOnlyList<LayoutNodeSpec> nodes, IReadOnlyList<LayoutEdgeSpec> edges, int start) =>
        new WorkflowDiagramLayout(nodes, edges, start).Run();

    private LayoutResult Run()
    {
        if (_nodes.Count == 0)
        {
            return new LayoutResult([], [], new Box(0, 0, 0, 0), null);
        }

        AssignRanks();
        BuildLayers();
        Order();

        // Place once to choose the side of each back edge, then again with room on the chosen sides only.
        Reserve(null);
        Position();
        var side = new int[_edges.Count];
        for (var e = 0; e < _edges.Count; e++)
        {
            side[e] = _route[e] == EdgeRoute.Up ? UpSide(e) : 0;
        }

        Reserve(side);
        Position();
        return Route(side);
    }

    // ---- ranks ----------------------------------------------------------------------------------------------

    private void AssignRanks()
    {
        var n = _nodes.Count;
        var outgoing = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            outgoing[i] = [];
        }

        for (var e = 0; e < _edges.Count; e++)
        {
            if (_edges[e].From != _edges[e].To)
            {
                outgoing[_edges[e].From].Add(e);
            }
        }

        // Depth-first from the start step: an edge to a step still on the stack closes a loop (a back edge).
        var back = new bool[_edges.Count];
        var colour = new byte[n];
        var finished = new List<int>(n);
        var counter = 0;
        var stack = new Stack<(int Node, int Next)>();
        void Visit(int root)
        {
            if (colour[root] != 0)
            {
                return;
            }

            colour[root] = 1;
            _discovered[root] = counter++;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (next < outgoing[node].Count)
                {
                    stack.Push((node, next + 1));
                    var edge = outgoing[node][next];
                    var target = _edges[edge].To;
                    if (colour[target] == 1)
                    {
                        back[edge] = true;
                    }
                    else if (colour[target] == 0)
                    {
                        colour[target] = 1;
                        _discovered[target] = counter++;
                        stack.Push((target, 0));
                    }
                }
                else
                {
                    colour[node] = 2;
                    finished.Add(node);
                }
            }
        }

        if (_start >= 0 && _start < n)
        {
            Visit(_start);
        }

        for (var i = 0; i < n; i++)
        {
            Visit(i);
        }

        // Longest path over the forward edges, in topological order (reverse finishing order); outcomes go last.
        for (var k = finished.Count - 1; k >= 0; k--)
        {
            var node = finished[k];
            if (_nodes[node].Terminal)
            {
                continue;
            }

            foreach (var edge in outgoing[node])
            {
                var target = _edges[edge].To;
                if (!back[edge] && !_nodes[target].Terminal)
                {
                    _rank[target] = Math.Max(_rank[target], _rank[node] + 1);
                }
            }
        }

        var last = -1;
        for (var i = 0; i < n; i++)
        {
            if (!_nodes[i].Terminal)
            {
                last = Math.Max(last, _rank[i]);
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (_nodes[i].Terminal)
            {
                _rank[i] = last + 1;
            }
        }

        for (var e = 0; e < _edges.Count; e++)
        {
            var (from, to) = (_edges[e].From, _edges[e].To);
            _route[e] = from == to ? EdgeRoute.Self
                : _rank[to] > _rank[from] ? EdgeRoute.Down
                : _rank[to] < _rank[from] ? EdgeRoute.Up
                : EdgeRoute.Flat;
        }
    }

    // ---- layers, dummies --------------------------------------------------------------------------------------

    private void BuildLayers()
    {
        var rankCount = _rank.Max() + 1;
        for (var r = 0; r < rankCount; r++)
        {
            _ranks.Add([]);
        }

        for (var i = 0; i < _nodes.Count; i++)
        {
            _items.Add(new Item(_rank[i], i));
        }

        var links = new HashSet<(int Upper, int Lower)>();
        for (var e = 0; e < _edges.Count; e++)
        {
            var (from, to) = (_edges[e].From, _edges[e].To);
            if (_route[e] is not (EdgeRoute.Down or EdgeRoute.Up))
            {
                continue;
            }

            var up = _route[e] == EdgeRoute.Up;
            var chain = new List<int> { from };
            var step = up ? -1 : 1;
            for (var r = _rank[from] + step; r != _rank[to]; r += step)
            {
                chain.Add(Dummy(to, r, up));
            }

            chain.Add(to);
            _chain[e] = chain;
            for (var k = 0; k + 1 < chain.Count; k++)
            {
                var (a, b) = up ? (chain[k + 1], chain[k]) : (chain[k], chain[k + 1]);
                if (links.Add((a, b)))
                {
                    _items[a].Downs.Add(b);
                    _items[b].Ups.Add(a);
                }
            }
        }

        // Initial order: steps as the depth-first search met them, dummies after them in creation order.
        for (var i = 0; i < _items.Count; i++)
        {
            _ranks[_items[i].Rank].Add(i);
        }

        foreach (var rank in _ranks)
        {
            rank.Sort((a, b) => InitialKey(a).CompareTo(InitialKey(b)));
            Renumber(rank);
        }
    }

    // Room beside a step for the lanes of its back edges (on both sides until they are chosen),
    // and on its right for its self-loop and the loop's label.
    private void Reserve(int[]? side)
    {
        var lanes = new int[_nodes.Count, 2];
        var loopLabel = new double[_nodes.Count];
        for (var e = 0; e < _edges.Count; e++)
        {
            if (_route[e] == EdgeRoute.Up)
            {
                foreach (var s in side is null ? [0, 1] : new[] { side[e] > 0 ? 1 : 0 })
                {
                    lanes[_edges[e].From, s]++;
                    lanes[_edges[e].To, s]++;
                }
            }
            else if (_route[e] == EdgeRoute.Self)
            {
                loopLabel[_edges[e].From] = Math.Max(loopLabel[_edges[e].From], _edges[e].LabelWidth);
            }
        }

        for (var i = 0; i < _nodes.Count; i++)
        {
            var half = _nodes[i].Width / 2;
            _items[i].Left = half + (lanes[i, 0] > 0 ? LaneBase + lanes[i, 0] * LaneStep : 0);
            _items[i].Right = half + (HasSelfLoop(i) ? LoopBulge * 0.8 + 6 + loopLabel[i]
                : lanes[i, 1] > 0 ? LaneBase + lanes[i, 1] * LaneStep : 0);
        }
    }

    private int Dummy(int target, int rank, bool up)
    {
        if (!_dummies.TryGetValue((target, rank, up), out var index))
        {
            index = _items.Count;
            _items.Add(new Item(rank, -1));
            _dummies.Add((target, rank, up), index);
        }

        return index;
    }

    private long InitialKey(int item) => _items[item].IsDummy ? _nodes.Count + item : _discovered[_items[item].Node];

    private bool HasSelfLoop(int node) => _selfLoop[node];

    private void Renumber(List<int> rank)
    {
        for (var k = 0; k < rank.Count; k++)
        {
            _items[rank[k]].Order = k;
        }
    }

    // ---- crossing reduction -------------------------------------------------------------------------------------

    private void Order()
    {
        var best = Snapshot();
        var bestCrossings = Crossings();
        var stale = 0;
        for (var sweep = 0; sweep < OrderingSweeps && bestCrossings > 0 && stale < 6; sweep++)
        {
            var down = sweep % 2 == 0;
            if (down)
            {
                for (var r = 1; r < _ranks.Count; r++)
                {
                    Reorder(r, byUpper: true);
                }
            }
            else
            {
                for (var r = _ranks.Count - 2; r >= 0; r--)
                {
                    Reorder(r, byUpper: false);
                }
            }

            Transpose();
            var crossings = Crossings();
            if (crossings < bestCrossings)
            {
                (bestCrossings, best, stale) = (crossings, Snapshot(), 0);
            }
            else
            {
                stale++;
            }
        }

        for (var r = 0; r < _ranks.Count; r++)
        {
            _ranks[r].Clear();
            _ranks[r].AddRange(best[r]);
            Renumber(_ranks[r]);
        }
    }

    private List<int[]> Snapshot() => _ranks.Select(rank => rank.ToArray()).ToList();

    private void Reorder(int r, bool byUpper)
    {
        var rank = _ranks[r];
        var adjacent = byUpper ? _ranks[r - 1].Count : _ranks[r + 1].Count;
        var keys = new Dictionary<int, double>(rank.Count);
        foreach (var item in rank)
        {
            var neighbours = byUpper ? _items[item].Ups : _items[item].Downs;
            keys[item] = neighbours.Count > 0
                ? neighbours.Average(n => (double)_items[n].Order)
                : _items[item].Order * (double)Math.Max(adjacent - 1, 0) / Math.Max(rank.Count - 1, 1);
        }

        rank.Sort((a, b) =>
        {
            var byKey = keys[a].CompareTo(keys[b]);
            return byKey != 0 ? byKey : _items[a].Order.CompareTo(_items[b].Order);
        });
        Renumber(rank);
    }

    // Swaps neighbours in a rank while that removes crossings with both adjacent ranks.
    private void Transpose()
    {
        for (var pass = 0; pass < 4; pass++)
        {
            var improved = false;
            foreach (var rank in _ranks)
            {
                for (var k = 0; k + 1 < rank.Count; k++)
                {
                    var (u, v) = (rank[k], rank[k + 1]);
                    if (PairCrossings(u, v) > PairCrossings(v, u))
                    {
                        (rank[k], rank[k + 1]) = (v, u);
                        _items[v].Order = k;
                        _items[u].Order = k + 1;
                        improved = true;
                    }
                }
            }

            if (!improved)
            {
                return;
            }
        }
    }

    // Crossings among the edges of u and v when u stands left of v.
    private int PairCrossings(int u, int v)
    {
        var count = 0;
        foreach (var a in _items[u].Ups)
        {
            foreach (var b in _items[v].Ups)
            {
                count += _items[a].Order > _items[b].Order ? 1 : 0;
            }
        }

        foreach (var a in _items[u].Downs)
        {
            foreach (var b in _items[v].Downs)
            {
                count += _items[a].Order > _items[b].Order ? 1 : 0;
            }
        }

        return count;
    }

    private long Crossings()
    {
        long total = 0;
        for (var r = 0; r + 1 < _ranks.Count; r++)
        {
            var pairs = new List<(int Upper, int Lower)>();
            foreach (var item in _ranks[r])
            {
                foreach (var lower in _items[item].Downs)
                {
                    pairs.Add((_items[item].Order, _items[lower].Order));
                }
            }

            pairs.Sort();
            var tree = new int[_ranks[r + 1].Count + 1];
            for (var k = 0; k < pairs.Count; k++)
            {
                var notAbove = 0;
                for (var i = pairs[k].Lower + 1; i > 0; i -= i & -i)
                {
                    notAbove += tree[i];
                }

                total += k - notAbove;
                for (var i = pairs[k].Lower + 1; i < tree.Length; i += i & -i)
                {
                    tree[i]++;
                }
            }
        }

        return total;
    }

    // ---- coordinates --------------------------------------------------------------------------------------------

    private void Position()
    {
        HorizontalPositions();

        // Then a few least-squares sweeps pull steps towards their neighbours, which tightens the drawing.
        for (var sweep = 0; sweep < PolishSweeps; sweep++)
        {
            for (var r = 1; r < _ranks.Count; r++)
            {
                Align(_ranks[r], byUpper: true, byLower: sweep == PolishSweeps - 1);
            }

            if (sweep < PolishSweeps - 1)
            {
                for (var r = _ranks.Count - 2; r >= 0; r--)
                {
                    Align(_ranks[r], byUpper: false, byLower: true);
                }
            }
        }

        _rankHeight = new double[_ranks.Count];
        _rankTop = new double[_ranks.Count];
        for (var i = 0; i < _nodes.Count; i++)
        {
            _rankHeight[_rank[i]] = Math.Max(_rankHeight[_rank[i]], _nodes[i].Height);
        }

        // A gap holds the labels of the edges starting in it: the more, the taller.
        var labels = new int[_ranks.Count];
        for (var e = 0; e < _edges.Count; e++)
        {
            var from = _rank[_edges[e].From];
            if (_route[e] == EdgeRoute.Down)
            {
                labels[from]++;
            }
            else if (_route[e] == EdgeRoute.Up)
            {
                labels[from - 1]++;
            }
        }

        var y = 0.0;
        for (var r = 0; r < _ranks.Count; r++)
        {
            _rankHeight[r] = Math.Max(_rankHeight[r], 24);
            _rankTop[r] = y;
            y += _rankHeight[r] + Math.Min(RankGap + LabelRoom * Math.Max(labels[r] - 1, 0), MaxRankGap);
        }
    }

    // Brandes–Köpf: four alignments (medians from above or below, scanning from the left or the right), each
    // compacted into blocks, then the mean of the two median candidates per item. Long edges come out straight.
    private void HorizontalPositions()
    {
        var conflicts = Type1Conflicts();
        var layouts = new List<(double[] X, bool FromLeft)>(4);
        foreach (var downwards in new[] { true, false })
        {
            foreach (var fromLeft in new[] { true, false })
            {
                var layers = (downwards ? _ranks : Enumerable.Reverse(_ranks))
                    .Select(rank => fromLeft ? rank.ToArray() : Enumerable.Reverse(rank).ToArray())
                    .ToList();
                var (root, align) = VerticalAlignment(layers, downwards, conflicts);
                var x = Compact(layers, root, align, fromLeft);
                if (!fromLeft)
                {
                    for (var i = 0; i < x.Length; i++)
                    {
                        x[i] = -x[i];
                    }
                }

                layouts.Add((x, fromLeft));
            }
        }

        // Align the four to the narrowest: left scans by their left edge, right scans by their right edge.
        double Min(double[] x) => Enumerable.Range(0, x.Length).Min(i => x[i] - _items[i].Left);
        double Max(double[] x) => Enumerable.Range(0, x.Length).Max(i => x[i] + _items[i].Right);
        var narrowest = layouts.MinBy(l => Max(l.X) - Min(l.X)).X;
        var (left, right) = (Min(narrowest), Max(narrowest));
        foreach (var (x, fromLeft) in layouts)
        {
            var delta = fromLeft ? left - Min(x) : right - Max(x);
            for (var i = 0; i < x.Length; i++)
            {
                x[i] += delta;
            }
        }

        var candidates = new double[4];
        for (var i = 0; i < _items.Count; i++)
        {
            for (var l = 0; l < 4; l++)
            {
                candidates[l] = layouts[l].X[i];
            }

            Array.Sort(candidates);
            _items[i].X = (candidates[1] + candidates[2]) / 2;
        }
    }

    // Edges that cross a segment between two dummies: a long edge's straightness wins over them.
    private HashSet<(int Upper, int Lower)> Type1Conflicts()
    {
        var conflicts = new HashSet<(int Upper, int Lower)>();
        for (var r = 1; r < _ranks.Count; r++)
        {
            var (previous, layer) = (_ranks[r - 1], _ranks[r]);
            var (k0, scan) = (0, 0);
            for (var i = 0; i < layer.Count; i++)
            {
                var v = layer[i];
                var inner = _items[v].IsDummy ? _items[v].Ups.FirstOrDefault(u => _items[u].IsDummy, -1) : -1;
                if (inner < 0 && i != layer.Count - 1)
                {
                    continue;
                }

                var k1 = inner >= 0 ? _items[inner].Order : previous.Count;
                for (; scan <= i; scan++)
                {
                    var lower = layer[scan];
                    foreach (var u in _items[lower].Ups)
                    {
                        if ((_items[u].Order < k0 || _items[u].Order > k1) && !(_items[u].IsDummy && _items[lower].IsDummy))
                        {
                            conflicts.Add((u, lower));
                        }
                    }
                }

                k0 = k1;
            }
        }

        return conflicts;
    }

    private (int[] Root, int[] Align) VerticalAlignment(List<int[]> layers, bool downwards, HashSet<(int Upper, int Lower)> conflicts)
    {
        var root = new int[_items.Count];
        var align = new int[_items.Count];
        var position = new int[_items.Count];
        foreach (var layer in layers)
        {
            for (var k = 0; k < layer.Length; k++)
            {
                (root[layer[k]], align[layer[k]], position[layer[k]]) = (layer[k], layer[k], k);
            }
        }

        foreach (var layer in layers)
        {
            var previous = -1;
            foreach (var v in layer)
            {
                var neighbours = (downwards ? _items[v].Ups : _items[v].Downs).OrderBy(n => position[n]).ToList();
                if (neighbours.Count == 0)
                {
                    continue;
                }

                var middle = (neighbours.Count - 1) / 2.0;
                for (var m = (int)Math.Floor(middle); m <= (int)Math.Ceiling(middle); m++)
                {
                    var w = neighbours[m];
                    var conflict = downwards ? conflicts.Contains((w, v)) : conflicts.Contains((v, w));
                    if (align[v] == v && previous < position[w] && !conflict)
                    {
                        align[w] = v;
                        align[v] = root[v] = root[w];
                        previous = position[w];
                    }
                }
            }
        }

        return (root, align);
    }

    // Blocks placed as far left as their left neighbours allow, then pulled right against their right neighbours.
    private double[] Compact(List<int[]> layers, int[] root, int[] align, bool fromLeft)
    {
        var separation = new Dictionary<(int Left, int Right), double>();
        var successors = new Dictionary<int, List<int>>();
        var predecessors = new Dictionary<int, List<int>>();
        foreach (var layer in layers)
        {
            for (var k = 1; k < layer.Length; k++)
            {
                var (u, v) = (_items[layer[k - 1]], _items[layer[k]]);
                var gap = u.IsDummy && v.IsDummy ? DummyGap : u.IsDummy || v.IsDummy ? NodeDummyGap : NodeGap;
                var distance = (fromLeft ? u.Right + v.Left : u.Left + v.Right) + gap;
                var key = (root[layer[k - 1]], root[layer[k]]);
                if (separation.TryGetValue(key, out var existing))
                {
                    separation[key] = Math.Max(existing, distance);
                    continue;
                }

                separation.Add(key, distance);
                if (!successors.TryGetValue(key.Item1, out var next))
                {
                    successors.Add(key.Item1, next = []);
                }

                if (!predecessors.TryGetValue(key.Item2, out var before))
                {
                    predecessors.Add(key.Item2, before = []);
                }

                next.Add(key.Item2);
                before.Add(key.Item1);
            }
        }

        // Topological order of the block graph (it is acyclic: blocks keep the order of every layer).
        var roots = Enumerable.Range(0, _items.Count).Where(i => root[i] == i).ToList();
        var waiting = roots.ToDictionary(r => r, r => predecessors.TryGetValue(r, out var p) ? p.Count : 0);
        var ready = new Queue<int>(roots.Where(r => waiting[r] == 0));
        var order = new List<int>(roots.Count);
        while (ready.Count > 0)
        {
            var block = ready.Dequeue();
            order.Add(block);
            foreach (var next in successors.GetValueOrDefault(block) ?? [])
            {
                if (--waiting[next] == 0)
                {
                    ready.Enqueue(next);
                }
            }
        }

        var x = new double[_items.Count];
        foreach (var block in order)
        {
            foreach (var before in predecessors.GetValueOrDefault(block) ?? [])
            {
                x[block] = Math.Max(x[block], x[before] + separation[(before, block)]);
            }
        }

        for (var k = order.Count - 1; k >= 0; k--)
        {
            var block = order[k];
            var limit = double.MaxValue;
            foreach (var next in successors.GetValueOrDefault(block) ?? [])
            {
                limit = Math.Min(limit, x[next] - separation[(block, next)]);
            }

            if (limit < double.MaxValue)
            {
                x[block] = Math.Max(x[block], limit);
            }
        }

        for (var i = 0; i < _items.Count; i++)
        {
            x[i] = x[root[i]];
        }

        return x;
    }

    // The least distance between the centres of neighbours in a rank, cumulated from its left end.
    private double[] Offsets(List<int> rank)
    {
        var offsets = new double[rank.Count];
        for (var k = 1; k < rank.Count; k++)
        {
            var (a, b) = (_items[rank[k - 1]], _items[rank[k]]);
            var gap = a.IsDummy && b.IsDummy ? DummyGap : a.IsDummy || b.IsDummy ? NodeDummyGap : NodeGap;
            offsets[k] = offsets[k - 1] + a.Right + b.Left + gap;
        }

        return offsets;
    }

    // Moves a rank's items towards the weighted mean of their neighbours, keeping order and separation (least squares).
    private void Align(List<int> rank, bool byUpper, bool byLower)
    {
        var offsets = Offsets(rank);
        var wanted = new double[rank.Count];
        var weights = new double[rank.Count];
        for (var k = 0; k < rank.Count; k++)
        {
            var item = _items[rank[k]];
            double sum = 0, weight = 0;
            // Steps and the inside of trunks do not pull each other: along a long trunk such pulls shear the layout.
            void Pull(List<int> neighbours)
            {
                foreach (var n in neighbours)
                {
                    var other = _items[n];
                    var w = item.IsDummy && other.IsDummy ? 8 : InTrunk(item) || InTrunk(other) ? 0 : item.IsDummy || other.IsDummy ? 1 : 4;
                    sum += w * other.X;
                    weight += w;
                }
            }

            if (byUpper)
            {
                Pull(item.Ups);
            }

            if (byLower)
            {
                Pull(item.Downs);
            }

            (wanted[k], weights[k]) = weight > 0 ? (sum / weight - offsets[k], weight) : (item.X - offsets[k], 0.05);
        }

        // Pool adjacent violators: the isotonic least-squares fit of the wanted positions less the offsets.
        var blocks = new List<(int Start, double Weight, double Sum)>();
        for (var k = 0; k < rank.Count; k++)
        {
            blocks.Add((k, weights[k], weights[k] * wanted[k]));
            while (blocks.Count > 1 && blocks[^2].Sum / blocks[^2].Weight > blocks[^1].Sum / blocks[^1].Weight)
            {
                var (start, weight, sum) = blocks[^2];
                blocks[^2] = (start, weight + blocks[^1].Weight, sum + blocks[^1].Sum);
                blocks.RemoveAt(blocks.Count - 1);
            }
        }

        for (var b = 0; b < blocks.Count; b++)
        {
            var end = b + 1 < blocks.Count ? blocks[b + 1].Start : rank.Count;
            var value = blocks[b].Sum / blocks[b].Weight;
            for (var k = blocks[b].Start; k < end; k++)
            {
                _items[rank[k]].X = value + offsets[k];
            }
        }
    }

    // A dummy inside a trunk, between dummies: steps joining it there must not pull it sideways.
    private bool InTrunk(Item item) => item.IsDummy && item.Ups.Exists(n => _items[n].IsDummy) && item.Downs.Exists(n => _items[n].IsDummy);

    // ---- routing and labels -------------------------------------------------------------------------------------

    private Box NodeBox(int node)
    {
        var spec = _nodes[node];
        var r = _rank[node];
        return new Box(_items[node].X - spec.Width / 2, _rankTop[r] + (_rankHeight[r] - spec.Height) / 2, spec.Width, spec.Height);
    }

    private double BandTop(int item) => _rankTop[_items[item].Rank];

    private double BandBottom(int item) => _rankTop[_items[item].Rank] + _rankHeight[_items[item].Rank];

    private LayoutResult Route(int[] side)
    {
        var boxes = Enumerable.Range(0, _nodes.Count).Select(NodeBox).ToArray();
        var paths = new Path[_edges.Count];
        var sidePorts = SidePorts(boxes, side);
        var bottomPorts = BottomPorts(boxes);
        var topPorts = TopPorts(boxes);
        var obstacles = new Obstacles();
        foreach (var box in boxes)
        {
            obstacles.Add(box.Inflate(4, 12, 4, 4));
        }

        // Edges to the same step through the same dummies share the rest of the way: built once, from the bottom.
        var trunks = new Dictionary<(int Item, int Side), Path>();
        var lines = new List<(Path Path, int Owner)>();
        Path DownTrunk(int dummy, int e)
        {
            if (trunks.TryGetValue((dummy, 0), out var trunk))
            {
                return trunk;
            }

            var chain = _chain[e]!;
            var next = chain[_items[dummy].Rank - _rank[_edges[e].From] + 1];
            trunk = new Path(new Point(_items[dummy].X, BandTop(dummy)));
            var at = trunk.Line(trunk.Current, new Point(_items[dummy].X, BandBottom(dummy)));
            if (_items[next].IsDummy)
            {
                trunk.Vertical(at, new Point(_items[next].X, BandTop(next)), gap: true);
                trunk.Append(DownTrunk(next, e));
            }
            else
            {
                trunk.Vertical(at, new Point(topPorts[e], boxes[next].Y), gap: true);
            }

            trunks.Add((dummy, 0), trunk);
            lines.Add((trunk, TrunkOwner(_edges[e].To)));
            return trunk;
        }

        Path UpTrunk(int dummy, int e, int s)
        {
            if (trunks.TryGetValue((dummy, s), out var trunk))
            {
                return trunk;
            }

            var chain = _chain[e]!;
            var next = chain[_rank[_edges[e].From] - _items[dummy].Rank + 1];
            trunk = new Path(new Point(_items[dummy].X, BandBottom(dummy)));
            var at = trunk.Line(trunk.Current, new Point(_items[dummy].X, BandTop(dummy)));
            if (_items[next].IsDummy)
            {
                trunk.Vertical(at, new Point(_items[next].X, BandBottom(next)), gap: true);
                trunk.Append(UpTrunk(next, e, s));
            }
            else
            {
                Arrive(trunk, at, e, s);
            }

            trunks.Add((dummy, s), trunk);
            lines.Add((trunk, TrunkOwner(_edges[e].To)));
            return trunk;
        }

        // The last stretch of a back edge: up its lane beside the target, then in through the target's side.
        void Arrive(Path path, Point at, int e, int s)
        {
            var to = _edges[e].To;
            var (inPort, inLane) = sidePorts[(e, false)];
            var targetEdge = s > 0 ? boxes[to].Right : boxes[to].X;
            var targetLane = targetEdge + s * inLane;
            at = path.Vertical(at, new Point(targetLane, BandBottom(to)), gap: true);
            path.Line(at, new Point(targetLane, inPort + Turn));
            path.Quad(new Point(targetLane, inPort), new Point(targetLane - s * Turn, inPort));
            path.Line(new Point(targetLane - s * Turn, inPort), new Point(targetEdge, inPort));
            obstacles.Add(new Box(Math.Min(targetEdge, targetLane), inPort - 6, Math.Abs(targetLane - targetEdge), 12));
        }

        for (var e = 0; e < _edges.Count; e++)
        {
            var (from, to) = (_edges[e].From, _edges[e].To);
            var path = new Path();
            switch (_route[e])
            {
                case EdgeRoute.Down:
                    {
                        var first = _chain[e]![1];
                        var point = new Point(bottomPorts[e], boxes[from].Bottom);
                        path.Move(point);
                        if (_items[first].IsDummy)
                        {
                            path.Vertical(point, new Point(_items[first].X, BandTop(first)), gap: true);
                            path.Append(DownTrunk(first, e));
                        }
                        else
                        {
                            path.Vertical(point, new Point(topPorts[e], boxes[to].Y), gap: true);
                        }

                        break;
                    }

                case EdgeRoute.Up:
                    {
                        var (outPort, outLane) = sidePorts[(e, true)];
                        var s = side[e];
                        var edgeX = s > 0 ? boxes[from].Right : boxes[from].X;
                        var laneX = edgeX + s * outLane;
                        path.Move(new Point(edgeX, outPort));
                        path.Line(new Point(edgeX, outPort), new Point(laneX - s * Turn, outPort));
                        path.Quad(new Point(laneX, outPort), new Point(laneX, outPort - Turn));
                        var point = path.Line(new Point(laneX, outPort - Turn), new Point(laneX, BandTop(from)));
                        var first = _chain[e]![1];
                        if (_items[first].IsDummy)
                        {
                            path.Vertical(point, new Point(_items[first].X, BandBottom(first)), gap: true);
                            path.Append(UpTrunk(first, e, s));
                        }
                        else
                        {
                            Arrive(path, point, e, s);
                        }

                        break;
                    }

                case EdgeRoute.Self:
                    {
                        var box = boxes[from];
                        var (y1, y2) = (box.Y + box.Height * 0.3, box.Y + box.Height * 0.7);
                        path.Move(new Point(box.Right, y1));
                        path.Cubic(new Point(box.Right + LoopBulge, y1 - 8), new Point(box.Right + LoopBulge, y2 + 8), new Point(box.Right, y2));
                        obstacles.Add(new Box(box.Right, y1 - 6, LoopBulge * 0.8, y2 - y1 + 12));
                        break;
                    }

                default:
                    {
                        var (a, b) = (boxes[from], boxes[to]);
                        var rise = Math.Min(RankGap * 0.8, 20 + Math.Abs(a.CenterX - b.CenterX) / 8);
                        path.Move(new Point(a.CenterX, a.Y));
                        path.Cubic(new Point(a.CenterX, a.Y - rise), new Point(b.CenterX, b.Y - rise), new Point(b.CenterX, b.Y), gap: true);
                        break;
                    }
            }

            paths[e] = path;
        }

        for (var e = 0; e < _edges.Count; e++)
        {
            lines.Add((paths[e], e));
        }

        foreach (var (path, owner) in lines)
        {
            foreach (var segment in path.Own)
            {
                var samples = segment.Gap ? 10 : Math.Max(1, (int)(Math.Abs(segment.P3.Y - segment.P0.Y) + Math.Abs(segment.P3.X - segment.P0.X)) / 8);
                for (var k = 0; k <= samples; k++)
                {
                    obstacles.Add(Box.Around(segment.At((double)k / samples), 4, 4), owner);
                }
            }
        }

        var labels = PlaceLabels(paths, boxes, obstacles);

        Point? start = null;
        var bounds = boxes[0];
        if (_start >= 0 && _start < _nodes.Count)
        {
            var box = boxes[_start];
            start = new Point(box.CenterX, box.Y - StartMarkerRise);
            bounds = bounds.Union(new Box(box.CenterX - 8, box.Y - StartMarkerRise - 8, 16, 16));
        }

        foreach (var box in boxes)
        {
            bounds = bounds.Union(box);
        }

        foreach (var label in labels)
        {
            bounds = bounds.Union(label);
        }

        foreach (var path in paths)
        {
            bounds = bounds.Union(path.Bounds);
        }

        var edges = new LayoutEdge[_edges.Count];
        for (var e = 0; e < _edges.Count; e++)
        {
            edges[e] = new LayoutEdge(_route[e], paths[e].Data, labels[e]);
        }

        return new LayoutResult(boxes, edges, bounds, start);
    }

    // A back edge runs beside its ends on the side where its lane climbs; one rank apart, on the source's outer
    // side. A step's self-loop takes its right, so back edges at that step keep to the left.
    private int UpSide(int e)
    {
        var chain = _chain[e]!;
        var (from, to) = (_edges[e].From, _edges[e].To);
        if (HasSelfLoop(from) || HasSelfLoop(to))
        {
            return -1;
        }

        return chain.Count > 2
            ? _items[chain[1]].X >= _items[from].X ? 1 : -1
            : _items[from].X >= _items[to].X ? 1 : -1;
    }

    // Ports on a step's sides for back edges: leaving ones above arriving ones, lanes nested so they do not cross.
    private Dictionary<(int Edge, bool Leaving), (double Y, double Lane)> SidePorts(Box[] boxes, int[] side)
    {
        var ports = new Dictionary<(int Edge, bool Leaving), (double Y, double Lane)>();
        for (var node = 0; node < _nodes.Count; node++)
        {
            foreach (var s in new[] { -1, 1 })
            {
                var leaving = new List<int>();
                var arriving = new List<List<int>>();
                var arrivingFrom = new Dictionary<int, List<int>>();
                for (var e = 0; e < _edges.Count; e++)
                {
                    if (_route[e] != EdgeRoute.Up || side[e] != s)
                    {
                        continue;
                    }

                    if (_edges[e].From == node)
                    {
                        leaving.Add(e);
                    }

                    if (_edges[e].To == node)
                    {
                        var previous = _chain[e]![^2];
                        if (!arrivingFrom.TryGetValue(previous, out var group))
                        {
                            group = [];
                            arrivingFrom.Add(previous, group);
                            arriving.Add(group);
                        }

                        group.Add(e);
                    }
                }

                var total = leaving.Count + arriving.Count;
                var box = boxes[node];
                double PortY(int k) => box.Y + 6 + (box.Height - 12) * (k + 1) / (total + 1);
                for (var k = 0; k < leaving.Count; k++)
                {
                    ports[(leaving[k], true)] = (PortY(k), LaneBase + k * LaneStep);
                }

                for (var j = 0; j < arriving.Count; j++)
                {
                    foreach (var e in arriving[j])
                    {
                        ports[(e, false)] = (PortY(leaving.Count + j), LaneBase + (arriving.Count - 1 - j) * LaneStep);
                    }
                }
            }
        }

        return ports;
    }

    // Bottom ports of forward edges, ordered by where each edge goes next so they fan out without crossing.
    private Dictionary<int, double> BottomPorts(Box[] boxes)
    {
        var ports = new Dictionary<int, double>();
        for (var node = 0; node < _nodes.Count; node++)
        {
            var leaving = Enumerable.Range(0, _edges.Count)
                .Where(e => _route[e] == EdgeRoute.Down && _edges[e].From == node)
                .OrderBy(e => _items[_chain[e]![1]].X)
                .ThenBy(e => _items[_edges[e].To].X)
                .ThenBy(e => e)
                .ToList();
            Spread(boxes[node], leaving.Select(e => new[] { e }).ToList(), ports, 22);
        }

        return ports;
    }

    // Top ports of forward edges: one per incoming line, edges sharing their last dummy share the port.
    private Dictionary<int, double> TopPorts(Box[] boxes)
    {
        var ports = new Dictionary<int, double>();
        for (var node = 0; node < _nodes.Count; node++)
        {
            var groups = Enumerable.Range(0, _edges.Count)
                .Where(e => _route[e] == EdgeRoute.Down && _edges[e].To == node)
                .GroupBy(e => _chain[e]![^2])
                .OrderBy(g => _items[g.Key].X)
                .ThenBy(g => g.Key)
                .Select(g => g.ToArray())
                .ToList();
            Spread(boxes[node], groups, ports, 18);
        }

        return ports;
    }

    private static void Spread(Box box, List<int[]> groups, Dictionary<int, double> ports, double spacing)
    {
        if (groups.Count == 0)
        {
            return;
        }

        var step = groups.Count > 1 ? Math.Min(spacing, (box.Width - 40) / (groups.Count - 1)) : 0;
        for (var k = 0; k < groups.Count; k++)
        {
            foreach (var e in groups[k])
            {
                ports[e] = box.CenterX + (k - (groups.Count - 1) / 2.0) * step;
            }
        }
    }

    // Greedy: self-loops first, then edges from the top; each label takes its first candidate that overlaps nothing.
    private static int TrunkOwner(int target) => -1 - target;

    private Box[] PlaceLabels(Path[] paths, Box[] boxes, Obstacles obstacles)
    {
        var labels = new Box[_edges.Count];
        var order = Enumerable.Range(0, _edges.Count)
            .OrderBy(e => _route[e] == EdgeRoute.Self ? 0 : 1)
            .ThenBy(e => _rank[_edges[e].From])
            .ThenBy(e => _items[_edges[e].From].X)
            .ThenBy(e => e)
            .ToList();
        foreach (var e in order)
        {
            var (width, height) = (_edges[e].LabelWidth, _edges[e].LabelHeight);
            var candidates = Candidates(e, paths[e], boxes[_edges[e].From], width, height);
            // Clear of steps and labels first; then as few other lines covered, as near the source, as can be.
            Box? best = null;
            var bestScore = double.MaxValue;
            for (var k = 0; k < candidates.Count && k < bestScore; k++)
            {
                var (hard, soft) = obstacles.Overlap(candidates[k], e, TrunkOwner(_edges[e].To));
                var score = hard * 100 + soft * SoftWeight + k;
                if (score < bestScore)
                {
                    (best, bestScore) = (candidates[k], score);
                    if (hard == 0 && soft == 0)
                    {
                        break;
                    }
                }
            }

            labels[e] = best ?? new Box(boxes[_edges[e].From].CenterX, boxes[_edges[e].From].Bottom, width, height);
            obstacles.Add(labels[e].Inflate(3, 2, 3, 2));
        }

        return labels;
    }

    private List<Box> Candidates(int e, Path path, Box source, double width, double height)
    {
        var candidates = new List<Box>();
        if (_route[e] == EdgeRoute.Self)
        {
            // Beside the loop, else over it in the gap above the step, else under it.
            foreach (var dy in new[] { 0.0, -height / 2, height / 2 })
            {
                candidates.Add(Box.Around(new Point(source.Right + LoopBulge * 0.8 + 4 + width / 2, source.CenterY + dy), width, height));
            }

            foreach (var dx in new[] { width / 2 - 4, width / 2 + LoopBulge / 2, LoopBulge / 2 - width / 2 })
            {
                candidates.Add(Box.Around(new Point(source.Right + dx, source.Y - height / 2 - 14), width, height));
            }

            candidates.Add(Box.Around(new Point(source.Right + LoopBulge / 2 - width / 2, source.Bottom + height / 2 + 6), width, height));
            return candidates;
        }

        var fractions = new[] { 0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85 };

        // Near the source first: a label tells which decision leaves a step.
        foreach (var segment in path.Segments.Where(s => s.Gap).Take(3))
        {
            foreach (var shift in new[] { 0.0, 1.0, -1.0 })
            {
                foreach (var t in fractions)
                {
                    var point = segment.At(t);
                    candidates.Add(Box.Around(new Point(point.X + shift * (width / 2 + 5), point.Y), width, height));
                }
            }
        }

        foreach (var segment in path.Segments.Where(s => !s.Gap).Take(4))
        {
            var point = segment.At(0.5);
            foreach (var shift in new[] { 1.0, -1.0, 0.0 })
            {
                candidates.Add(Box.Around(new Point(point.X + shift * (width / 2 + 5), point.Y), width, height));
            }
        }

        return candidates;
    }

    /// <summary>
    /// What labels keep clear of: steps and other labels (hard), and other edges' lines (soft, sampled as small boxes),
    /// bucketed in a coarse grid so a 200-step diagram stays fast.
    /// </summary>
    private sealed class Obstacles
    {
        public const int Hard = int.MinValue;
        private const double Cell = 64;
        private readonly List<(Box Box, int Owner)> _boxes = [];
        private readonly Dictionary<(int X, int Y), List<int>> _cells = [];

        // Which query last counted each box: a box in several cells counts once.
        private readonly List<int> _counted = [];
        private int _query;

        public void Add(Box box, int owner = Hard)
        {
            _boxes.Add((box, owner));
            _counted.Add(0);
            var (x0, x1, y0, y1) = Range(box);
            for (var x = x0; x <= x1; x++)
            {
                for (var y = y0; y <= y1; y++)
                {
                    if (!_cells.TryGetValue((x, y), out var list))
                    {
                        list = [];
                        _cells.Add((x, y), list);
                    }

                    list.Add(_boxes.Count - 1);
                }
            }
        }

        /// <summary>Overlap with hard obstacles, and with lines other than those owned by <paramref name="edge"/> or its trunk.</summary>
        public (double Hard, double Soft) Overlap(Box box, int edge, int trunk)
        {
            var (hard, soft) = (0.0, 0.0);
            _query++;
            var (x0, x1, y0, y1) = Range(box);
            for (var x = x0; x <= x1; x++)
            {
                for (var y = y0; y <= y1; y++)
                {
                    if (!_cells.TryGetValue((x, y), out var list))
                    {
                        continue;
                    }

                    foreach (var index in list)
                    {
                        var (other, owner) = _boxes[index];
                        if (_counted[index] == _query || owner == edge || owner == trunk)
                        {
                            continue;
                        }

                        _counted[index] = _query;
                        if (owner == Hard)
                        {
                            hard += box.Overlap(other);
                        }
                        else
                        {
                            soft += box.Overlap(other);
                        }
                    }
                }
            }

            return (hard, soft);
        }

        private static (int X0, int X1, int Y0, int Y1) Range(Box box) =>
            ((int)Math.Floor(box.X / Cell), (int)Math.Floor(box.Right / Cell), (int)Math.Floor(box.Y / Cell), (int)Math.Floor(box.Bottom / Cell));
    }

    private sealed class Item(int rank, int node)
    {
        public int Rank { get; } = rank;

        /// <summary>The step's index, or -1 for a dummy on a long edge.</summary>
        public int Node { get; } = node;

        public bool IsDummy => Node < 0;
        public int Order { get; set; }
        public double X { get; set; }
        public double Left { get; set; }
        public double Right { get; set; }
        public List<int> Ups { get; } = [];
        public List<int> Downs { get; } = [];
    }

    private readonly record struct Segment(Point P0, Point P1, Point P2, Point P3, bool Gap)
    {
        public Point At(double t)
        {
            var u = 1 - t;
            var (a, b, c, d) = (u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t);
            return new Point(a * P0.X + b * P1.X + c * P2.X + d * P3.X, a * P0.Y + b * P1.Y + c * P2.Y + d * P3.Y);
        }
    }

    /// <summary>SVG path data with the segments kept for label placement and bounds.</summary>
    private sealed class Path
    {
        // Enough of a shared trunk's segments for label candidates near its source.
        private const int SharedSegments = 8;

        private readonly StringBuilder _data = new();
        private Point _current;

        public Path()
        {
        }

        /// <summary>A continuation of another path from <paramref name="current"/>, appended with <see cref="Append"/>.</summary>
        public Path(Point current)
        {
            _current = current;
            Bounds = new Box(current.X, current.Y, 0, 0);
        }

        public List<Segment> Segments { get; } = [];

        /// <summary>The segments drawn by this path itself, not by trunks appended to it.</summary>
        public List<Segment> Own { get; } = [];

        public Box Bounds { get; private set; }
        public Point Current => _current;
        public string Data => _data.ToString();

        public void Append(Path rest)
        {
            _data.Append(rest._data);
            Segments.AddRange(rest.Segments.Take(SharedSegments));
            Bounds = Bounds.Union(rest.Bounds);
            _current = rest._current;
        }

        public void Move(Point point)
        {
            _data.Append('M').AppendNumber(point.X).Append(' ').AppendNumber(point.Y);
            _current = point;
            Bounds = new Box(point.X, point.Y, 0, 0);
        }

        public Point Line(Point from, Point to)
        {
            if (Math.Abs(to.X - from.X) < 0.05 && Math.Abs(to.Y - from.Y) < 0.05)
            {
                return to;
            }

            Segments.Add(new Segment(from, Lerp(from, to, 1.0 / 3), Lerp(from, to, 2.0 / 3), to, false));
            Own.Add(Segments[^1]);
            _data.Append(" L").AppendNumber(to.X).Append(' ').AppendNumber(to.Y);
            Extend(to);
            return to;
        }

        // A cubic leaving and entering vertically: the smooth S-bend between ranks.
        public Point Vertical(Point from, Point to, bool gap)
        {
            var bend = (to.Y - from.Y) / 2;
            return Cubic(new Point(from.X, from.Y + bend), new Point(to.X, to.Y - bend), to, gap);
        }

        public Point Cubic(Point c1, Point c2, Point to, bool gap = false)
        {
            Segments.Add(new Segment(_current, c1, c2, to, gap));
            Own.Add(Segments[^1]);
            _data.Append(" C").AppendNumber(c1.X).Append(' ').AppendNumber(c1.Y)
                .Append(' ').AppendNumber(c2.X).Append(' ').AppendNumber(c2.Y)
                .Append(' ').AppendNumber(to.X).Append(' ').AppendNumber(to.Y);
            Extend(c1);
            Extend(c2);
            Extend(to);
            return to;
        }

        public void Quad(Point control, Point to)
        {
            _data.Append(" Q").AppendNumber(control.X).Append(' ').AppendNumber(control.Y)
                .Append(' ').AppendNumber(to.X).Append(' ').AppendNumber(to.Y);
            Extend(control);
            Extend(to);
        }

        private void Extend(Point point)
        {
            _current = point;
            Bounds = Bounds.Union(new Box(point.X, point.Y, 0, 0));
        }

        private static Point Lerp(Point a, Point b, double t) => new(a.X + (b.X - a.X) * t, a.Y + (b.Y - a.Y) * t);
    }
}
