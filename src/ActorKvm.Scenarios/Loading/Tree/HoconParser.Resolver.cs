namespace ActorKvm.Engine.Scenarios.Loading.Tree;

internal sealed partial class HoconParser
{
    /// <summary>
    /// Resolves substitutions while turning the parsed values into <see cref="SNode"/>s. A substitution that reaches
    /// itself is a cycle (an error, never a stack overflow); chains and resolved depth are bounded by
    /// <see cref="MaxDepth"/>; the tree's expanded size is bounded by the text's length, so no "billion laughs" file
    /// makes later passes do more work than its size allows.
    /// </summary>
    private sealed class Resolver(HObject root, int textLength)
    {
        private readonly long _budget = 1024 + 64L * textLength;
        private readonly HashSet<HValue> _inProgress = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<HValue, (SNode? Node, long Size)> _done = new(ReferenceEqualityComparer.Instance);
        private int _chain;

        public SObject Resolve() => (SObject)Convert(root, "", 0).Node!;

        /// <summary>The node (null: an optional substitution with no target) and its size as a tree.</summary>
        private (SNode? Node, long Size) Convert(HValue value, string path, int depth)
        {
            if (depth > MaxDepth) throw new ScenarioParseException(path, $"nesting deeper than {MaxDepth} levels (through substitutions)");
            (SNode? Node, long Size) result = value switch
            {
                HObject o => ConvertObject(o, path, depth),
                HArray a => ConvertArray(a.Items, path, depth),
                HText t => (Scalar(t.Text), 1),
                HMissing => (new SMissing(), 1),
                HSubstitution s => Substitute(s, path, depth),
                HConcat c => Concat(c, path, depth),
                _ => throw new InvalidOperationException(value.GetType().Name),
            };
            if (result.Size > _budget)
                throw new ScenarioParseException(path, $"substitutions expand the file beyond {_budget} values (bounded by its size)");
            return result;
        }

        private static SScalar Scalar(string text)
        {
            var t = text.Trim();
            return t == "null" ? new SScalar("null", ScalarKind.Null) : new SScalar(t, ScalarKind.Text);
        }

        private (SNode?, long) ConvertObject(HObject o, string path, int depth)
        {
            var members = new List<KeyValuePair<string, SNode>>(o.Keys.Count);
            long size = 1;
            foreach (var key in o.Keys)
            {
                var (node, s) = Convert(o.Get(key)!, path.Length == 0 ? key : $"{path}.{key}", depth + 1);
                if (node is null) continue; // ${?missing}: the field is not set
                members.Add(new(key, node));
                size += s;
            }
            return (new SObject(members), size);
        }

        private (SNode?, long) ConvertArray(IEnumerable<HValue> items, string path, int depth)
        {
            var list = new List<SNode>();
            long size = 1;
            foreach (var item in items)
            {
                var (node, s) = Convert(item, $"{path}[{list.Count}]", depth + 1);
                if (node is null) continue;
                list.Add(node);
                size += s;
            }
            return (new SArray(list), size);
        }

        private (SNode?, long) Substitute(HSubstitution s, string path, int depth)
        {
            var target = Find(s, path);
            if (target is null)
                return s.Optional ? (null, 0) : throw new ScenarioParseException(path, $"substitution {s.Shown}: no such key");
            if (_done.TryGetValue(target, out var cached)) return cached;
            if (!_inProgress.Add(target))
                throw new ScenarioParseException(path, $"substitution {s.Shown} refers back to itself (a cycle)");
            if (++_chain > MaxDepth)
                throw new ScenarioParseException(path, $"substitutions chained deeper than {MaxDepth}");
            try
            {
                // The target is read in its own place: its path, not the referring one, names what is wrong inside it.
                var r = Convert(target, string.Join('.', s.Path), depth);
                _done[target] = r;
                return r;
            }
            finally
            {
                _chain--;
                _inProgress.Remove(target);
            }
        }

        /// <summary>The raw value at the substitution's path (through objects, and through substitutions to objects).</summary>
        private HValue? Find(HSubstitution s, string path)
        {
            HValue? current = root;
            foreach (var segment in s.Path)
            {
                while (current is HSubstitution inner)
                {
                    if (ReferenceEquals(inner, s) || _inProgress.Contains(inner))
                        throw new ScenarioParseException(path, $"substitution {s.Shown} refers back to itself (a cycle)");
                    current = Find(inner, path);
                }
                if (current is not HObject o) return null;
                current = o.Get(segment);
                if (current is null) return null;
            }
            return current;
        }

        private (SNode?, long) Concat(HConcat c, string path, int depth)
        {
            var parts = new List<(SNode Node, long Size, bool Space)>();
            foreach (var piece in c.Pieces)
            {
                var (node, size) = piece is HText { Space: true } space ? (new SScalar(space.Text, ScalarKind.Text), 1) : Convert(piece, path, depth);
                if (node is not null) parts.Add((node, size, piece is HText { Space: true }));
            }
            var solid = parts.Where(p => !p.Space).ToList();
            if (solid.Count == 0) return (null, 0);
            if (solid.All(p => p.Node is SArray))
                return ConcatArrays(solid.Select(p => (SArray)p.Node), solid.Sum(p => p.Size));
            if (solid.All(p => p.Node is SObject))
            {
                var merged = new HObject(c.Line);
                foreach (var (node, _, _) in solid)
                    foreach (var (k, v) in ((SObject)node).Members) merged.Set(k, new HResolved(v), c.Line, path);
                var members = merged.Keys.Select(k => new KeyValuePair<string, SNode>(k, ((HResolved)merged.Get(k)!).Node)).ToList();
                return (new SObject(members), solid.Sum(p => p.Size));
            }
            if (parts.All(p => p.Node is SScalar))
            {
                // Trim the concatenation's ends only, as a single unquoted value is trimmed.
                var start = parts.FindIndex(p => !p.Space);
                var end = parts.FindLastIndex(p => !p.Space);
                var text = string.Concat(parts.Skip(start).Take(end - start + 1).Select(p => ((SScalar)p.Node).Text));
                return (Scalar(text), 1);
            }
            throw new ScenarioParseException(path, "a value mixes objects, lists and text");
        }

        private static (SNode?, long) ConcatArrays(IEnumerable<SArray> arrays, long size) =>
            (new SArray(arrays.SelectMany(a => a.Items).ToList()), size);
    }

    /// <summary>An already-resolved node carried through an object merge.</summary>
    private sealed record HResolved(SNode Node) : HValue;
}
