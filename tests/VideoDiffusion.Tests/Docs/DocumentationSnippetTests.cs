using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Docs;

/// <summary>
/// Every C# code block (```csharp or ```cs) in README.md and docs/*.md is compiled as a top-level program against
/// the library, so documentation cannot drift from the API. Blocks are compiled, not run (the consumer test in
/// .ci/run runs the README's quick start).
/// </summary>
public partial class DocumentationSnippetTests
{
    [GeneratedRegex(@"^```(csharp|cs)\s*\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    public static TheoryData<string, int> Snippets()
    {
        var data = new TheoryData<string, int>();
        foreach (var file in MarkdownFiles())
        {
            var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, file));
            foreach (Match m in CodeBlock().Matches(text))
            {
                data.Add(file, LineOf(text, m.Index));
            }
        }
        return data;
    }

    [Fact]
    public void Documentation_HasCSharpSnippets()
    {
        Snippets().Should().NotBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void Snippet_Compiles(string file, int line)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, file));
        var match = CodeBlock().Matches(text).Single(m => LineOf(text, m.Index) == line);
        var source = match.Groups[2].Value;

        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: $"{file}:{line}");
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [tree, CSharpSyntaxTree.ParseText(GlobalUsings)],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var output = new MemoryStream();
        var result = compilation.Emit(output);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToArray();
        errors.Should().BeEmpty($"the C# block at {file}:{line} must compile");
    }

    // The implicit usings of a console project (what a user's Program.cs sees).
    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        _ = typeof(VideoDiffusion.TorchBackend); // make sure the library is loaded
        var tpa = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var loaded = AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsDynamic && a.Location.Length > 0).Select(a => a.Location);
        var local = Directory.GetFiles(AppContext.BaseDirectory, "*.dll");
        return tpa.Concat(loaded).Concat(local)
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase).Select(g => g.First())
            .Where(p => !Path.GetFileName(p).StartsWith("xunit", StringComparison.OrdinalIgnoreCase))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    private static IEnumerable<string> MarkdownFiles()
    {
        yield return "README.md";
        var docs = Path.Combine(RepositoryPaths.Root, "docs");
        foreach (var f in Directory.GetFiles(docs, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            yield return Path.GetRelativePath(RepositoryPaths.Root, f).Replace('\\', '/');
        }
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;
}
