using Messaging.Consumers;
using Messaging.Consumers.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

// The seed's worker.py: consumes the delayed notifications and dispatches the SMS, with the Redis scheduler's bridge
// republishing each message when it is due. A web host too: health, metrics and the dashboard (see WorkerHttp).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.Logging.AddSimpleConsole(options =>
{
    options.SingleLine = true;
    options.UseUtcTimestamp = true;
    options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
});

builder.Services.AddNotificationWorker(builder.Configuration);
builder.AddWorkerHttp();

var app = builder.Build();

// Worker:Http:Port: /health/live, /health/ready, /metrics.
app.MapWorkerHttp();

// Worker:Dashboard:Port: the scheduler dashboard at /scheduler, read-only, for loopback callers only unless configured.
app.MapWorkerDashboard();

await app.RunAsync();
