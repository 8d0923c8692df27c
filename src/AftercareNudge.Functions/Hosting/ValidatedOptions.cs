using Microsoft.Extensions.Options;

namespace AftercareNudge.Hosting;

/// <summary>Options checked once at start-up, failing with every problem spelled out for a person to fix.</summary>
internal static class ValidatedOptions
{
    public static OptionsBuilder<T> AddValidatedOptions<T>(
        this IServiceCollection services,
        Action<T, IConfiguration> bind,
        Func<T, IEnumerable<string>> problems)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new ProblemsValidator<T>(problems));
        return services.AddOptions<T>()
            .Configure<IConfiguration>((options, configuration) => bind(options, configuration))
            .ValidateOnStart();
    }

    private sealed class ProblemsValidator<T>(Func<T, IEnumerable<string>> problems) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var found = problems(options).ToList();
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }
}
