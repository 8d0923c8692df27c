using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AftercareNudge.Tests.Architecture;

/// <summary>
/// Registration is one <c>Add&lt;Folder&gt;</c> per folder, named alike (issue 20.4): each folder's public
/// registration is one extension method named for it, in a class <c>&lt;Folder&gt;Extensions</c>, which
/// <c>Program.cs</c> calls. Anything a folder registers beside it is internal to the folder.
/// </summary>
public sealed class RegistrationTests
{
    [Fact]
    public void EachFolder_RegistersThroughOneAddMethod_NamedForIt()
    {
        var registrations = typeof(Program).Assembly.GetTypes()
            .Where(t => t.IsPublic && t.IsAbstract && t.IsSealed)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static).Select(m => (Type: t, Method: m)))
            .Where(x => x.Method.IsDefined(typeof(ExtensionAttribute), false)
                        && x.Method.GetParameters()[0].ParameterType is var target
                        && (target == typeof(IServiceCollection) || target == typeof(IHostApplicationBuilder)))
            .Select(x => $"{Folder(x.Type)}: {x.Type.Name}.{x.Method.Name}")
            .Order(StringComparer.Ordinal)
            .ToList();

        var expected = registrations
            .Select(r => r[..r.IndexOf(':', StringComparison.Ordinal)])
            .Distinct()
            .Select(folder => $"{folder}: {folder}Extensions.Add{folder}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected, registrations);
        Assert.Contains("Replies: RepliesExtensions.AddReplies", registrations);
    }

    private static string Folder(Type type) => type.Namespace!.Split('.')[1];
}
