using ArchUnitNET.Domain;
using ArchUnitNET.Fluent.Slices;
using ArchUnitNET.Loader;

namespace AftercareNudge.Tests.Architecture;

/// <summary>
/// The folder graph read from the compiled app with ArchUnitNET: its types sliced by top-level folder
/// namespace, and every dependency of those types (signatures, fields, attributes, calls, locals, and what
/// their lambdas and async state machines do, which ArchUnitNET counts for the type that wrote them).
/// </summary>
internal static class AssemblyFolderDependencies
{
    private const string AppNamespace = "AftercareNudge.";

    public static FolderGraph Read(System.Reflection.Assembly app)
    {
        var architecture = new ArchLoader().LoadAssemblies(app).Build();

        // ArchUnitNET's own patterns do not give this slicing: "AftercareNudge.(*).." makes Messaging.Sms a slice
        // apart from Messaging, and "AftercareNudge.(**).." leaves out the types directly in a folder's namespace.
        var slices = new SliceAssignment(FolderSlice, "by top-level folder of " + AppNamespace + "(*)")
            .Apply(architecture.Types)
            .Where(slice => !slice.Identifier.Ignored)
            .ToList();
        var folderOf = slices
            .SelectMany(slice => slice.Types.Select(type => (type, folder: slice.Description)))
            .ToDictionary(pair => pair.type, pair => pair.folder);

        var edges = slices.SelectMany(slice => slice.Dependencies
            .Where(dependency => folderOf.ContainsKey(dependency.Target))
            .Select(dependency => (slice.Description, folderOf[dependency.Target], $"{dependency.Origin.FullName} uses {dependency.Target.FullName}")));
        return new FolderGraph(slices.Select(slice => slice.Description), edges);
    }

    /// <summary>
    /// <c>AftercareNudge.Messaging.Sms.X</c> belongs to Messaging. Left out: the composition root (Program in the
    /// global namespace; in <c>AftercareNudge</c>, the executor and metadata provider the Functions SDK generates,
    /// which name every function, and Razor's <c>_Imports</c>) and what generators put in namespaces of their own.
    /// Nothing generated lands in a folder's namespace but Razor components, compiled into the folder they are in.
    /// </summary>
    private static SliceIdentifier FolderSlice(IType type)
    {
        var ns = type.Namespace.FullName;
        if (!ns.StartsWith(AppNamespace, StringComparison.Ordinal))
        {
            return SliceIdentifier.Ignore();
        }

        var folder = ns[AppNamespace.Length..];
        var dot = folder.IndexOf('.', StringComparison.Ordinal);
        return SliceIdentifier.Of(dot < 0 ? folder : folder[..dot]);
    }
}
