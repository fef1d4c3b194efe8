using Microsoft.Playwright;

namespace Messaging.Scheduler.Dashboard.Tests.Infrastructure;

/// <summary>
/// One headless Chromium for a test class: Debian's <c>chromium</c> package (installed by <c>scripts/services.sh
/// install</c>), driven by Playwright through its executable path; nothing is downloaded. <c>CHROMIUM</c> names another
/// executable.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    IPlaywright? _playwright;
    IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not started.");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"No Chromium at {ExecutablePath}: the browser tests drive Debian's chromium package. Install it with scripts/services.sh install " +
                "(as root), or apt-get install -y chromium, or name another executable in CHROMIUM.");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Tests and CI run as root, where Chromium's sandbox cannot start.
            Args = ["--no-sandbox"],
        });
    }

    /// <summary>A fresh page (its own cookies) that sends <paramref name="headers" /> with every request and accepts every
    /// confirm() the dashboard asks.</summary>
    public async Task<IPage> NewPage(IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
            ExtraHTTPHeaders = headers,
        });
        var page = await context.NewPageAsync();
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        return page;
    }

    public async Task DisposeAsync()
    {
        if (_browser != null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
