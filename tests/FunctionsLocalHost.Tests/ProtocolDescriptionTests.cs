using System.Diagnostics;
using Google.Protobuf.Reflection;

namespace FunctionsLocalHost.Tests;

/// <summary>
/// The host's own .proto holds a part of the Functions protocol: every message, field, enum value and
/// method it declares must have the reference's name, number and type, or the worker would read
/// something else. Compared through protoc's descriptors, not text.
/// </summary>
public sealed class ProtocolDescriptionTests
{
    private static readonly string Reference = Path.Combine(SampleWorkerHost.Metadata("RepoRoot"), "..", "shared", "specs", "functions-rpc");

    [Fact]
    public void OwnProto_MatchesTheReferenceProtocol_InEverythingItDeclares()
    {
        if (!File.Exists(Path.Combine(Reference, "FunctionRpc.proto")))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"CI must have the protocol's description at {Reference}.");
            Assert.Skip($"The protocol's description is not at {Reference} (it is beside the repository on the team's machines and in CI).");
        }

        var ours = Describe(Path.Combine(SampleWorkerHost.Metadata("RepoRoot"), "tools", "FunctionsLocalHost", "Protos"), "function_rpc.proto");
        var reference = Describe(Reference, "FunctionRpc.proto");

        var differences = new List<string>();
        Assert.Equal(reference.Package, ours.Package);
        var referenceMessages = Messages(reference).ToDictionary(m => m.Name, m => m.Message, StringComparer.Ordinal);
        foreach (var (name, message) in Messages(ours))
        {
            if (!referenceMessages.TryGetValue(name, out var theirs))
            {
                differences.Add($"message {name} is not in the protocol");
                continue;
            }

            foreach (var field in message.Field)
            {
                var match = theirs.Field.FirstOrDefault(f => f.Name == field.Name);
                if (match is null)
                {
                    differences.Add($"{name}.{field.Name} is not in the protocol");
                }
                else if ((match.Number, match.Type, match.Label, match.TypeName, OneofName(theirs, match)) != (field.Number, field.Type, field.Label, field.TypeName, OneofName(message, field)))
                {
                    differences.Add($"{name}.{field.Name}: ours is {field.Number} {field.Label} {field.Type} {field.TypeName} {OneofName(message, field)}, the protocol's {match.Number} {match.Label} {match.Type} {match.TypeName} {OneofName(theirs, match)}");
                }
            }

            foreach (var enumType in message.EnumType)
            {
                CompareEnum($"{name}.{enumType.Name}", enumType, theirs.EnumType.FirstOrDefault(e => e.Name == enumType.Name), differences);
            }
        }

        var service = Assert.Single(ours.Service);
        var theirService = Assert.Single(reference.Service, s => s.Name == service.Name);
        foreach (var method in service.Method)
        {
            var match = theirService.Method.FirstOrDefault(m => m.Name == method.Name);
            if (match is null || (match.InputType, match.OutputType, match.ClientStreaming, match.ServerStreaming) != (method.InputType, method.OutputType, method.ClientStreaming, method.ServerStreaming))
            {
                differences.Add($"rpc {method.Name} differs from the protocol's");
            }
        }

        Assert.Empty(differences);
        Assert.Contains(Messages(ours), m => m.Name == "StreamingMessage"); // the comparison saw something
    }

    private static void CompareEnum(string name, EnumDescriptorProto ours, EnumDescriptorProto? theirs, List<string> differences)
    {
        if (theirs is null)
        {
            differences.Add($"enum {name} is not in the protocol");
            return;
        }

        foreach (var value in ours.Value)
        {
            if (theirs.Value.FirstOrDefault(v => v.Name == value.Name)?.Number != value.Number)
            {
                differences.Add($"{name}.{value.Name} = {value.Number} differs from the protocol");
            }
        }
    }

    private static string? OneofName(DescriptorProto message, FieldDescriptorProto field) =>
        field.HasOneofIndex ? message.OneofDecl[field.OneofIndex].Name : null;

    /// <summary>Every message, nested ones included (map entries too), by full name.</summary>
    private static IEnumerable<(string Name, DescriptorProto Message)> Messages(FileDescriptorProto file)
    {
        IEnumerable<(string, DescriptorProto)> Walk(string prefix, IEnumerable<DescriptorProto> messages) =>
            messages.SelectMany(m => Walk(prefix + m.Name + ".", m.NestedType).Prepend((prefix + m.Name, m)));
        return Walk("", file.MessageType);
    }

    /// <summary>The file's descriptor, as protoc (from the Grpc.Tools package) reads it.</summary>
    private static FileDescriptorProto Describe(string directory, string file)
    {
        var tools = SampleWorkerHost.Metadata("ProtocPath");
        var output = Path.Combine(Directory.CreateTempSubdirectory("proto-").FullName, "set.pb");
        var start = new ProcessStartInfo(Path.Combine(tools, "tools", "linux_x64", "protoc"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var argument in new[] { "--proto_path=" + directory, "--proto_path=" + Path.Combine(tools, "build", "native", "include"), "--descriptor_set_out=" + output, file })
        {
            start.ArgumentList.Add(argument);
        }

        using var protoc = Process.Start(start)!;
        var errors = protoc.StandardError.ReadToEnd();
        protoc.WaitForExit();
        Assert.True(protoc.ExitCode == 0, errors);
        return FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(output)).File.Single(f => f.Name == file);
    }
}
