namespace AftercareNudge.Hosting;

/// <summary>The service's name, as every page, email footer and SMS it words shows it.</summary>
public static class Brand
{
    public const string Name = "AftercareNudge";
}
