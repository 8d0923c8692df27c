using AftercareNudge.Docs;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Docs;

/// <summary>
/// Issue 19.3: a client generated from the OpenAPI document (TypeScript types from openapi-typescript,
/// checked by TypeScript 5, both from tests/tools) lets a program send a valid registration and refuses,
/// at compile time, programs that send what the server refuses.
/// </summary>
public sealed class GeneratedClientTests(AzuriteFixture azurite) : AppTest(azurite)
{
    /// <summary>The program that type-checks: a registration as docs/api.md shows it, sent with the generated types.</summary>
    private const string ValidProgram = """
        import type { paths } from "./api";

        export type Registration = paths["/api/events"]["post"]["requestBody"]["content"]["application/json"];

        export const registration: Registration = {
          title: "Dinner with Alex",
          kind: "date",
          timeZone: "Europe/London",
          startsAt: "2026-12-05T19:00",
          endsAt: "2026-12-05T23:00",
          organizer: { name: "Sam", phone: "+447911123456", email: "sam@example.com", repliesBy: "sms" },
          people: [{ key: "alex", name: "Alex", phone: "+447911123457", email: "alex@example.com", quietHours: { from: "22:00", to: "07:30" } }],
          checkIns: [
            { to: "alex", channel: "sms", after: "end", offset: "PT30M", message: "Hey, how are you feeling? I'm here if you want to talk." },
            { to: "alex", channel: "email", at: "2026-12-06T10:00", message: "Morning! Thinking of you after last night." },
          ],
          aftercare: { plan: "A call the next morning.", needs: { alex: "Quiet time first." }, reminders: [{ to: "alex", after: "end", offset: "PT1H" }] },
        };

        export async function register(baseUrl: string, apiKey: string, body: Registration): Promise<Response> {
          return fetch(new URL("/api/events", baseUrl), {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-Api-Key": apiKey },
            body: JSON.stringify(body),
          });
        }

        """;

    /// <summary>Programs that must not type-check, each one change away from the valid one.</summary>
    private static readonly (string Name, string Program)[] Refused =
    [
        ("empty", "export const body: Registration = {};"),
        ("kind-dinner", "export const body: Registration = { ...registration, kind: \"dinner\" };"),
        ("channel-fax", "export const body: Registration = { ...registration, checkIns: [{ to: \"alex\", channel: \"fax\", after: \"end\", message: \"Hi\" }] };"),
        ("check-in-without-to", "export const body: Registration = { ...registration, checkIns: [{ channel: \"sms\", after: \"end\", message: \"Hi\" }] };"),
    ];

    [Fact]
    public async Task GeneratedTypes_TypeCheckAProgramSendingAValidRegistration_AndNoneSendingWhatIsRefused()
    {
        var folder = Directory.CreateTempSubdirectory("aftercare-client-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "openapi.json"), await App.CreateClient().GetStringAsync(ApiReference.DocumentRoute, Ct), Ct);
            await using (var generate = ChildProcess.Start("node", [Repository.TestTool("openapi-typescript", "bin", "cli.js"), "openapi.json", "--output", "api.ts"], folder.FullName))
            {
                await generate.WaitUntilExitAsync(TimeSpan.FromMinutes(2));
                Assert.True(generate.ExitCode == 0, "openapi-typescript could not generate a client from the document:\n" + generate.Output);
            }

            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "valid.ts"), ValidProgram, Ct);
            foreach (var (name, program) in Refused)
            {
                await File.WriteAllTextAsync(Path.Combine(folder.FullName, $"{name}.ts"), "import { registration, type Registration } from \"./valid\";\n" + program + "\n", Ct);
            }

            // One compilation of them all; each file's errors are named by its file.
            await using var check = ChildProcess.Start(
                "node",
                [Repository.TestTool("typescript", "bin", "tsc"), "--noEmit", "--strict", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler", "--lib", "es2022,dom", "--pretty", "false",
                    "valid.ts", .. Refused.Select(r => $"{r.Name}.ts")],
                folder.FullName);
            await check.WaitUntilExitAsync(TimeSpan.FromMinutes(2));
            var errors = check.Output.Split('\n').Where(l => l.Contains("error TS", StringComparison.Ordinal)).ToList();

            Assert.True(errors.All(e => !e.StartsWith("valid.ts", StringComparison.Ordinal) && !e.StartsWith("api.ts", StringComparison.Ordinal)), "The program sending a valid registration does not type-check against the generated client:\n" + check.Output);
            foreach (var (name, program) in Refused)
            {
                Assert.True(errors.Any(e => e.StartsWith($"{name}.ts(", StringComparison.Ordinal)), $"A program sending {name} type-checks against the generated client, but the server refuses it:\n{program}\n{check.Output}");
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
