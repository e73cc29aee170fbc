using System.Globalization;
using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Guard.Gateway.Configuration.Yaml;

/// <summary>
/// Flattens one YAML document into configuration keys the way the JSON provider flattens JSON: mappings nest with
/// ':', sequence items are numbered, scalars stay strings, YAML nulls become null, and an empty mapping or sequence
/// becomes a null value. Every error is a <see cref="FormatException"/> naming the file, line and column.
/// </summary>
internal sealed class YamlConfigurationFileParser
{
    // Configuration nests far less; the limit stops a recursive alias (`a: &x [*x]`) from recursing forever.
    private const int MaxDepth = 64;
    private const string MergeKey = "<<";
    private const string NullTag = "tag:yaml.org,2002:null";

    private readonly string _fileName;
    private readonly Dictionary<string, string?> _data = new(StringComparer.OrdinalIgnoreCase);

    private YamlConfigurationFileParser(string fileName)
    {
        _fileName = fileName;
    }

    public static Dictionary<string, string?> Parse(Stream input, string fileName)
    {
        ArgumentNullException.ThrowIfNull(input);
        var parser = new YamlConfigurationFileParser(fileName);
        parser.Read(input);
        return parser._data;
    }

    private void Read(Stream input)
    {
        // Configuration files are small; holding the text lets an error point at an undefined alias.
        string text;
        using (var reader = new StreamReader(input))
        {
            text = reader.ReadToEnd();
        }

        var yaml = new YamlStream();
        var scanner = new Scanner(new StringReader(text));
        try
        {
            yaml.Load(new Parser(scanner));
        }
        catch (AnchorNotFoundException ex)
        {
            // YamlDotNet reports these at line 1, column 1; find the alias instead.
            (long line, long column) = FindAlias(ex.Message, text) ?? (scanner.CurrentPosition.Line, scanner.CurrentPosition.Column);
            throw Error(line, column, ex.Message + ".", ex);
        }
        catch (YamlException ex)
        {
            throw Error(ex.Start, Describe(ex), ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner fails this way on some malformed input (an unclosed '[' followed by a mapping
            // line); where the scanner stopped is the best position there is.
            throw Error(
                scanner.CurrentPosition,
                "could not parse the YAML here; an unclosed '[', '{' or quote before this point is a common cause.",
                ex);
        }

        if (yaml.Documents.Count == 0)
        {
            return; // Empty, or only comments.
        }

        if (yaml.Documents.Count > 1)
        {
            throw Error(yaml.Documents[1].RootNode.Start, "found a second YAML document ('---'); a configuration file holds exactly one.");
        }

        YamlNode root = yaml.Documents[0].RootNode;
        if (root is YamlScalarNode scalar && IsNull(scalar))
        {
            return; // A document that is just `~` or `---` alone.
        }

        if (root is not YamlMappingNode mapping)
        {
            throw Error(root.Start, "the top level must be a mapping of keys to values.");
        }

        foreach ((string key, YamlNode value) in Entries(mapping, depth: 0))
        {
            VisitNode(value, key, depth: 1);
        }
    }

    private void VisitNode(YamlNode node, string path, int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error(node.Start, $"nesting deeper than {MaxDepth} levels (a recursive alias?).");
        }

        switch (node)
        {
            case YamlScalarNode scalar:
                Set(path, IsNull(scalar) ? null : scalar.Value ?? string.Empty, scalar.Start);
                break;

            case YamlSequenceNode sequence:
                if (sequence.Children.Count == 0)
                {
                    Set(path, null, sequence.Start);
                }

                for (int i = 0; i < sequence.Children.Count; i++)
                {
                    VisitNode(sequence.Children[i], Combine(path, i.ToString(CultureInfo.InvariantCulture)), depth + 1);
                }

                break;

            case YamlMappingNode mapping:
                List<(string Key, YamlNode Value)> entries = Entries(mapping, depth);
                if (entries.Count == 0)
                {
                    Set(path, null, mapping.Start);
                }

                foreach ((string key, YamlNode value) in entries)
                {
                    VisitNode(value, Combine(path, key), depth + 1);
                }

                break;

            default:
                throw Error(node.Start, $"unsupported YAML node '{node.NodeType}'.");
        }
    }

    /// <summary>
    /// The mapping's keys and values in file order, then those brought in by YAML merge keys (<c>&lt;&lt;: *defaults</c>).
    /// Merging is shallow: a merged key is taken only when the mapping itself, or an earlier merged one, lacks it.
    /// </summary>
    private List<(string Key, YamlNode Value)> Entries(YamlMappingNode mapping, int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error(mapping.Start, $"nesting deeper than {MaxDepth} levels (a recursive alias?).");
        }

        // Keys are case-insensitive in configuration, so `Port` and `port` in one mapping are duplicates even though
        // YAML (which only rejects exact repeats) accepts them.
        var seen = new Dictionary<string, Mark>(StringComparer.OrdinalIgnoreCase);
        var entries = new List<(string Key, YamlNode Value)>(mapping.Children.Count);
        List<YamlNode>? merges = null;
        foreach (KeyValuePair<YamlNode, YamlNode> entry in mapping.Children)
        {
            if (entry.Key is YamlScalarNode { Style: ScalarStyle.Plain, Value: MergeKey })
            {
                (merges ??= []).Add(entry.Value);
                continue;
            }

            string key = KeyText(entry.Key);
            if (seen.TryGetValue(key, out Mark first))
            {
                throw Error(entry.Key.Start, $"duplicate key '{key}' (first defined at line {first.Line}; configuration keys are case-insensitive).");
            }

            seen.Add(key, entry.Key.Start);
            entries.Add((key, entry.Value));
        }

        foreach (YamlNode merge in merges ?? [])
        {
            // `<<: *a` or `<<: [*a, *b]`, earlier sources winning.
            IEnumerable<YamlNode> sources = merge is YamlSequenceNode list ? list.Children : [merge];
            foreach (YamlNode source in sources)
            {
                if (source is not YamlMappingNode merged)
                {
                    throw Error(source.Start, "a merge key ('<<') takes a mapping or a sequence of mappings.");
                }

                foreach ((string key, YamlNode value) in Entries(merged, depth + 1))
                {
                    if (seen.TryAdd(key, merged.Start))
                    {
                        entries.Add((key, value));
                    }
                }
            }
        }

        return entries;
    }

    private void Set(string path, string? value, Mark at)
    {
        // Only reachable through keys that themselves contain ':' (`a:b: 1` next to `a: {b: 2}`).
        if (!_data.TryAdd(path, value))
        {
            throw Error(at, $"duplicate key '{path}'.");
        }
    }

    private string KeyText(YamlNode key)
    {
        if (key is not YamlScalarNode scalar)
        {
            throw Error(key.Start, "mapping keys must be plain values, not sequences or mappings.");
        }

        if (string.IsNullOrEmpty(scalar.Value))
        {
            throw Error(key.Start, "empty mapping key.");
        }

        return scalar.Value;
    }

    /// <summary>YAML's null: an explicit !!null tag, or an untagged plain <c>~</c>, <c>null</c> or nothing at all. Quoted "null" is text.</summary>
    private static bool IsNull(YamlScalarNode scalar)
    {
        if (!scalar.Tag.IsEmpty)
        {
            return scalar.Tag.Value == NullTag;
        }

        return scalar.Style == ScalarStyle.Plain
            && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
    }

    private static string Combine(string? prefix, string key) =>
        prefix is null ? key : prefix + ConfigurationPath.KeyDelimiter + key;

    private static string Describe(YamlException ex)
    {
        // YamlDotNet reports repeated keys as "Duplicate key x"; say it in the same words as our own check.
        const string duplicate = "Duplicate key ";
        string message = ex.Message;
        return message.StartsWith(duplicate, StringComparison.Ordinal)
            ? $"duplicate key '{message[duplicate.Length..]}'."
            : message;
    }

    /// <summary>Line and column of <c>*name</c> for the anchor named in YamlDotNet's "The anchor 'name' does not exists".</summary>
    private static (long Line, long Column)? FindAlias(string message, string text)
    {
        int open = message.IndexOf('\'', StringComparison.Ordinal);
        int close = open < 0 ? -1 : message.IndexOf('\'', open + 1);
        if (close <= open + 1)
        {
            return null;
        }

        string alias = "*" + message[(open + 1)..close];
        for (int at = text.IndexOf(alias, StringComparison.Ordinal); at >= 0; at = text.IndexOf(alias, at + 1, StringComparison.Ordinal))
        {
            int end = at + alias.Length;
            if (end == text.Length || char.IsWhiteSpace(text[end]) || text[end] is ',' or ']' or '}')
            {
                int lineStart = text.LastIndexOf('\n', Math.Max(at - 1, 0)) + 1;
                int line = 1 + text.AsSpan(0, at).Count('\n');
                return (line, at - lineStart + 1);
            }
        }

        return null;
    }

    private FormatException Error(Mark at, string detail, Exception? inner = null) => Error(at.Line, at.Column, detail, inner);

    private FormatException Error(long line, long column, string detail, Exception? inner = null) =>
        new($"Invalid YAML in configuration file '{_fileName}' at line {line}, column {column}: {detail}", inner);
}
