using System.Text.Json.Nodes;

namespace Guard.Admin.Policies;

/// <summary>
/// The gateway as the admin surface sees it: which policies are in force, which models use them, and a way to check
/// and apply an overlay of admin changes. Implemented by the gateway, so the admin code knows nothing of how
/// policies become guards.
/// </summary>
public interface IPolicyCatalog
{
    PolicyCatalogView Current { get; }

    /// <summary>The admin version in force (0: none); <see cref="Current"/> without rendering every policy.</summary>
    long Version { get; }

    /// <summary>Every problem the overlay would have on top of the configuration file (none when it is valid), each
    /// naming its key (<c>policies.default.smoothing.alpha: ...</c>), and the overlay normalised: each policy as the
    /// configuration binds it, defaults filled in, so versions compare key by key.</summary>
    PolicyCheck Check(PolicyOverlay overlay);

    /// <summary>Puts the overlay in force. An overlay that does not apply is logged and leaves the previous one in force.</summary>
    void Apply(PolicyOverlay overlay);
}

/// <param name="Version">The admin version in force (0: none).</param>
/// <param name="Policies">Each policy in force (the file's, or the admin's where it replaced it), as configuration JSON.</param>
/// <param name="FilePolicies">The policies as the configuration file has them.</param>
/// <param name="Models">Model name → (policy name, upstream name).</param>
/// <param name="ModelRepository">The embedded model host's repository, if there is one.</param>
public sealed record PolicyCatalogView(
    long Version,
    IReadOnlyDictionary<string, JsonObject> Policies,
    IReadOnlyDictionary<string, JsonObject> FilePolicies,
    IReadOnlyDictionary<string, ModelBinding> Models,
    string? ModelRepository);

public sealed record ModelBinding(string Policy, string Upstream);

public sealed record PolicyCheck(IReadOnlyList<string> Problems, PolicyOverlay Normalized);
