using Guard.Gateway.Configuration.Yaml;
using Microsoft.Extensions.Configuration;

namespace Guard.Gateway.Tests.Configuration.Yaml;

public sealed class YamlConfigurationTests
{
    [Fact]
    public void Nested_mappings_flatten_to_colon_separated_keys()
    {
        IConfigurationRoot config = Load("""
            server:
              listen: 0.0.0.0:8080   # a colon inside a value stays part of it
              limits:
                maxMessageBytes: 4194304
            name: guard
            """);

        Assert.Equal("0.0.0.0:8080", config["server:listen"]);
        Assert.Equal("4194304", config["server:limits:maxMessageBytes"]);
        Assert.Equal("guard", config["name"]);
        Assert.Equal(
            ["name", "server", "server:limits", "server:limits:maxMessageBytes", "server:listen"],
            config.AsEnumerable().Select(pair => pair.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Keys_are_case_insensitive()
    {
        IConfigurationRoot config = Load("""
            Server:
              MaxConnections: 10
            """);

        Assert.Equal("10", config["server:maxconnections"]);
        Assert.Equal("10", config.GetSection("SERVER")["maxConnections"]);
    }

    [Fact]
    public void Sequences_become_indexed_keys()
    {
        IConfigurationRoot config = Load("""
            hosts: [a.example, b.example]
            upstreams:
              - name: triton
                endpoints:
                  - 10.0.0.1:8001
                  - 10.0.0.2:8001
              - name: tfserving
            """);

        Assert.Equal("a.example", config["hosts:0"]);
        Assert.Equal("b.example", config["hosts:1"]);
        Assert.Equal("triton", config["upstreams:0:name"]);
        Assert.Equal("10.0.0.2:8001", config["upstreams:0:endpoints:1"]);
        Assert.Equal("tfserving", config["upstreams:1:name"]);
        Assert.Equal(2, config.GetSection("upstreams").GetChildren().Count());
    }

    [Fact]
    public void Yaml_nulls_become_null_values_and_quoted_text_stays_text()
    {
        IConfigurationRoot config = Load("""
            tilde: ~
            word: null
            nothing:
            tagged: !!null x
            quoted: 'null'
            empty: ""
            forcedText: !!str ~
            emptyList: []
            emptyMap: {}
            """);
        Dictionary<string, string?> data = config.AsEnumerable().ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);

        foreach (string key in new[] { "tilde", "word", "nothing", "tagged", "emptyList", "emptyMap" })
        {
            Assert.True(data.ContainsKey(key), key);
            Assert.Null(data[key]);
        }

        Assert.Equal("null", config["quoted"]);
        Assert.Equal(string.Empty, config["empty"]);
        Assert.Equal("~", config["forcedText"]);
    }

    [Fact]
    public void Comments_are_ignored_and_scalars_keep_their_text()
    {
        IConfigurationRoot config = Load("""
            # top comment
            enabled: true   # trailing comment
            ratio: 0.25
            version: "1.10"
            hash: "# not a comment"
            script: |
              line one
              line two
            folded: >
              one
              two
            last: 1
            """);

        Assert.Equal("true", config["enabled"]);
        Assert.Equal("0.25", config["ratio"]);
        Assert.Equal("1.10", config["version"]);
        Assert.Equal("# not a comment", config["hash"]);
        Assert.Equal("line one\nline two\n", config["script"]);
        Assert.Equal("one two\n", config["folded"]);
        Assert.Equal(7, config.AsEnumerable().Count());
    }

    [Fact]
    public void Anchors_aliases_and_merge_keys_are_resolved()
    {
        IConfigurationRoot config = Load("""
            defaults: &defaults
              timeout: 5s
              retries: 2
              tags: [a, b]
            copy: *defaults
            override:
              <<: *defaults
              retries: 3
            layered:
              <<: [{retries: 7}, *defaults]
            """);

        Assert.Equal("5s", config["copy:timeout"]);
        Assert.Equal("b", config["copy:tags:1"]);
        Assert.Equal("3", config["override:retries"]);
        Assert.Equal("5s", config["override:timeout"]);
        Assert.Equal("a", config["override:tags:0"]);
        Assert.Equal("7", config["layered:retries"]);
        Assert.Equal("5s", config["layered:timeout"]);
        Assert.Null(config["override:<<"]);
    }

    [Fact]
    public void Binds_to_a_poco_with_Get()
    {
        IConfigurationRoot config = Load("""
            NAME: edge
            port: 8443
            tls: true
            timeout: 00:00:30
            hosts:
              - a
              - b
            labels:
              team: ml
              tier: gold
            upstreams:
              - name: one
                weight: 3
              - name: two
            """);

        SampleOptions? options = config.Get<SampleOptions>();

        Assert.NotNull(options);
        Assert.Equal("edge", options.Name);
        Assert.Equal(8443, options.Port);
        Assert.True(options.Tls);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Timeout);
        Assert.Equal("default", options.Missing);
        Assert.Equal(["a", "b"], options.Hosts);
        Assert.Equal("gold", options.Labels["tier"]);
        Assert.Equal(2, options.Upstreams.Count);
        Assert.Equal(3, options.Upstreams[0].Weight);
        Assert.Equal("two", options.Upstreams[1].Name);
    }

    [Fact]
    public void Empty_or_comment_only_files_give_no_keys()
    {
        Assert.Empty(Load(string.Empty).AsEnumerable());
        Assert.Empty(Load("# nothing here\n").AsEnumerable());
        Assert.Empty(Load("---\n").AsEnumerable());
    }

    [Fact]
    public void Malformed_yaml_names_the_file_line_and_column()
    {
        FormatException error = LoadFails("""
            server:
              listen: 0.0.0.0:8080
              routes: [a, b
            next: 1
            """);

        Assert.Contains("guard.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 4, column 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_indentation_names_the_line_and_column()
    {
        FormatException error = LoadFails("a: 1\n  b: 2\n");

        Assert.Contains("line 2, column 4", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a: 'unterminated\n", "line 1, column 4")]
    [InlineData("a: [b\nc: d\n", "line 2, column 1")]
    [InlineData("a: 1\nb:\n  c: *nope\nd: 2\n", "line 3, column 6")]
    public void Other_syntax_errors_name_the_line_and_column(string yaml, string position)
    {
        FormatException error = LoadFails(yaml);

        Assert.Contains("guard.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains(position, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_keys_name_the_key_and_line()
    {
        FormatException error = LoadFails("""
            a: 1
            b: 2
            a: 3
            """);

        Assert.Contains("duplicate key 'a'", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_differing_only_in_case_are_duplicates()
    {
        FormatException error = LoadFails("""
            server:
              port: 1
              Port: 2
            """);

        Assert.Contains("duplicate key 'Port'", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 3, column 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("first defined at line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_documents_are_rejected()
    {
        FormatException error = LoadFails("a: 1\n---\nb: 2\n");

        Assert.Contains("second YAML document", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("- a\n- b\n")]
    [InlineData("just text\n")]
    public void The_top_level_must_be_a_mapping(string yaml)
    {
        FormatException error = LoadFails(yaml);

        Assert.Contains("top level must be a mapping", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Complex_keys_and_recursive_aliases_are_rejected()
    {
        Assert.Contains("mapping keys must be plain values", LoadFails("? [a, b]\n: 1\n").Message, StringComparison.Ordinal);
        Assert.Contains("recursive alias", LoadFails("a: &x [*x]\n").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_an_error_unless_optional()
    {
        string path = Path.Combine(Path.GetTempPath(), "guard-missing-" + Guid.NewGuid().ToString("N") + ".yaml");

        Assert.Throws<FileNotFoundException>(() => new ConfigurationBuilder().AddYamlFile(path, optional: false, reloadOnChange: false).Build());
        Assert.Empty(new ConfigurationBuilder().AddYamlFile(path, optional: true, reloadOnChange: false).Build().AsEnumerable());
    }

    [Fact]
    public void A_relative_path_resolves_against_the_base_path()
    {
        using var file = new TempYamlFile("a: relative\n", "relative.yaml");

        IConfigurationRoot config = new ConfigurationBuilder()
            .SetBasePath(file.Directory)
            .AddYamlFile("relative.yaml", optional: false, reloadOnChange: false)
            .Build();

        Assert.Equal("relative", config["a"]);
    }

    [Fact]
    public void Later_sources_override_earlier_ones()
    {
        using var file = new TempYamlFile("a: from-yaml\nb: kept\n");

        IConfigurationRoot config = new ConfigurationBuilder()
            .AddYamlFile(file.Path, optional: false, reloadOnChange: false)
            .AddInMemoryCollection([new KeyValuePair<string, string?>("A", "from-memory")])
            .Build();

        Assert.Equal("from-memory", config["a"]);
        Assert.Equal("kept", config["b"]);
    }

    private static IConfigurationRoot Load(string yaml)
    {
        using var file = new TempYamlFile(yaml);
        return new ConfigurationBuilder().AddYamlFile(file.Path, optional: false, reloadOnChange: false).Build();
    }

    private static FormatException LoadFails(string yaml)
    {
        using var file = new TempYamlFile(yaml);
        return Assert.Throws<FormatException>(() => new ConfigurationBuilder().AddYamlFile(file.Path, optional: false, reloadOnChange: false).Build());
    }
}
