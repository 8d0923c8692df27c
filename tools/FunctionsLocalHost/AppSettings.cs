using System.Text.RegularExpressions;

namespace FunctionsLocalHost;

/// <summary>
/// The app settings as the host sees them: those given to the worker, then this process's environment.
/// Resolves <c>%name%</c> binding expressions as the host's name resolver does: every token in the
/// string, and a token with no setting is an error, not an empty string.
/// </summary>
public sealed partial class AppSettings(IReadOnlyDictionary<string, string?> settings)
{
    /// <summary>
    /// A setting by its configuration name (<c>Storage:TablePrefix</c>) or its environment form
    /// (<c>Storage__TablePrefix</c>), as the host's configuration maps one to the other; an empty value is a value.
    /// </summary>
    public string? this[string name] =>
        Find(name) ?? (name.Contains(':', StringComparison.Ordinal) ? Find(name.Replace(":", "__", StringComparison.Ordinal)) : null);

    private string? Find(string name) =>
        settings.TryGetValue(name, out var value) && value is not null ? value : Environment.GetEnvironmentVariable(name);

    public string Resolve(string expression) => Token().Replace(expression, match =>
        this[match.Groups[1].Value] ?? throw new InvalidOperationException($"'%{match.Groups[1].Value}%' does not resolve to a value: there is no app setting {match.Groups[1].Value}."));

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex Token();
}
