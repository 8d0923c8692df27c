namespace AftercareNudge.Hosting;

/// <summary>The pages' style sheets, inline in each page (its CSP allows inline styles and nothing fetched).</summary>
internal static class PageStyles
{
    /// <summary>The pages a person opens from an email: calm, readable on a phone, light and dark.</summary>
    public const string Person =
        ":root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fbfaf8;--muted:#5f5f66;--accent:#2f6f5e;--line:#d9d6d0}"
        + "@media (prefers-color-scheme:dark){:root{--fg:#ececec;--bg:#17181a;--muted:#a8a8ad;--accent:#6cc3a8;--line:#3a3b3e}}"
        + "*{box-sizing:border-box}"
        + "body{margin:0;background:var(--bg);color:var(--fg);font:1.0625rem/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}"
        + "main{max-width:34rem;margin:0 auto;padding:2rem 1.25rem 3rem}"
        + ".brand{margin:0 0 1.5rem;color:var(--muted);font-size:.875rem;letter-spacing:.04em;text-transform:uppercase}"
        + "h1{font-size:1.5rem;line-height:1.3;margin:0 0 1rem;overflow-wrap:anywhere}"
        + "p{margin:0 0 1rem;overflow-wrap:anywhere}"
        + ".small{color:var(--muted);font-size:.9375rem}"
        + ".notice{border-left:4px solid var(--accent);padding:.5rem .75rem;background:color-mix(in srgb,var(--accent) 10%,transparent)}"
        + "form{margin:1.5rem 0}"
        + ".buttons{display:flex;flex-wrap:wrap;gap:.75rem}"
        + "button{font:inherit;font-weight:600;min-height:3rem;padding:.625rem 1.5rem;border-radius:.5rem;border:2px solid var(--accent);background:transparent;color:var(--accent);cursor:pointer;flex:1 1 10rem}"
        + "button.primary{background:var(--accent);color:var(--bg)}"
        + "button:focus-visible,a:focus-visible{outline:3px solid var(--fg);outline-offset:2px}"
        + "a{color:var(--accent)}"
        + "h2{font-size:1.125rem;margin:1.5rem 0 .5rem}"
        + ".plan{white-space:normal;border-left:4px solid var(--line);padding-left:.75rem}"
        + "fieldset{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:0 0 1rem}"
        + "legend{font-weight:600;padding:0 .25rem}"
        + "label{display:inline-block;margin:0 1rem .5rem 0}"
        + "input{font:inherit;padding:.375rem .5rem;border:1px solid var(--line);border-radius:.375rem;background:transparent;color:var(--fg)}";

    /// <summary>
    /// The API reference: a wider column, monospace for paths and names. Its own colours in light and dark
    /// (the browser's defaults are not checked for contrast against each other), text never faded.
    /// </summary>
    public const string Reference =
        ":root{color-scheme:light dark;--fg:#1d1d1f;--bg:#ffffff;--muted:#55555c;--accent:#1f5f8b;--line:#d9d6d0}"
        + "@media (prefers-color-scheme:dark){:root{--fg:#ececec;--bg:#17181a;--muted:#a8a8ad;--accent:#8cc4ff;--line:#3a3b3e}}"
        + "body{margin:0;background:var(--bg);color:var(--fg);font:1rem/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}"
        + "main{max-width:48rem;margin:0 auto;padding:2rem 1.25rem 3rem}h1{font-size:1.75rem}h2{font-size:1.125rem;margin:0 0 .5rem}"
        + "h3{font-size:.9375rem;margin:.75rem 0 .25rem}section{border-top:1px solid var(--line);padding:1rem 0}a{color:var(--accent)}"
        + "a:focus-visible{outline:3px solid var(--fg);outline-offset:2px}"
        + ".method{display:inline-block;min-width:4.5rem;font-family:ui-monospace,monospace}code{font-family:ui-monospace,monospace;overflow-wrap:anywhere}"
        + ".small{font-size:.9375rem;color:var(--muted)}ul{margin:0;padding-left:1.25rem}";
}
