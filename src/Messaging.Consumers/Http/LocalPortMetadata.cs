namespace Messaging.Consumers.Http;

/// <summary>Endpoint metadata: the endpoint answers only on connections to this local port (see <see cref="WorkerHttp.OnPort" />).</summary>
/// <param name="Port">The local port.</param>
internal sealed record LocalPortMetadata(int Port);
