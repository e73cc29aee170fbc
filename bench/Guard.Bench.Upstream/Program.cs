using System.Globalization;
using System.Net;
using Guard.Bench.Upstream;
using Guard.Protocol.Inference;
using Guard.Rpc;
using Guard.Rpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// guard-bench-upstream --port N
//   A KServe v2 model server that is as cheap as we can make it, so that a benchmark through a proxy measures
//   the proxy. Every model name is served: ModelInfer echoes the first input back as OUTPUT0.
var port = 8011;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length:
            port = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: guard-bench-upstream --port N");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}' (usage: guard-bench-upstream --port N)");
            return 2;
    }
}

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "guard-bench-upstream", Args = [] });
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Limits.Http2.MaxStreamsPerConnection = 1000;
    k.Limits.Http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
    k.Limits.Http2.InitialStreamWindowSize = 8 * 1024 * 1024;
    k.Limits.MaxRequestBodySize = null;
    k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2);
});

var app = builder.Build();

const string Service = "inference.GRPCInferenceService";
var registry = new GrpcServiceRegistry()
    .AddUnary(
        new Method<ServerLiveRequest, ServerLiveResponse>(MethodType.Unary, Service, "ServerLive", Marshallers.Protobuf(ServerLiveRequest.Parser), Marshallers.Protobuf(ServerLiveResponse.Parser)),
        static (_, _) => Task.FromResult(new ServerLiveResponse { Live = true }))
    .AddUnary(
        new Method<ServerReadyRequest, ServerReadyResponse>(MethodType.Unary, Service, "ServerReady", Marshallers.Protobuf(ServerReadyRequest.Parser), Marshallers.Protobuf(ServerReadyResponse.Parser)),
        static (_, _) => Task.FromResult(new ServerReadyResponse { Ready = true }))
    .AddUnary(
        new Method<ServerMetadataRequest, ServerMetadataResponse>(MethodType.Unary, Service, "ServerMetadata", Marshallers.Protobuf(ServerMetadataRequest.Parser), Marshallers.Protobuf(ServerMetadataResponse.Parser)),
        static (_, _) => Task.FromResult(new ServerMetadataResponse { Name = "guard-bench-upstream", Version = "1.0.0" }))
    .AddUnary(
        new Method<ModelReadyRequest, ModelReadyResponse>(MethodType.Unary, Service, "ModelReady", Marshallers.Protobuf(ModelReadyRequest.Parser), Marshallers.Protobuf(ModelReadyResponse.Parser)),
        static (_, _) => Task.FromResult(new ModelReadyResponse { Ready = true }))
    .AddUnary(
        new Method<ModelMetadataRequest, ModelMetadataResponse>(MethodType.Unary, Service, "ModelMetadata", Marshallers.Protobuf(ModelMetadataRequest.Parser), Marshallers.Protobuf(ModelMetadataResponse.Parser)),
        static (request, _) => Task.FromResult(EchoModel.Metadata(request.Name)))
    .AddUnary(
        new Method<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>(MethodType.Unary, Service, "ModelInfer", Marshallers.Raw, Marshallers.Raw),
        static (request, _) => Task.FromResult(EchoModel.Infer(request)));

var dispatcher = new GrpcDispatcher(registry, static () => new GrpcServerOptions(), app.Services.GetRequiredService<ILogger<GrpcDispatcher>>());
app.Run(dispatcher.HandleAsync);

await app.StartAsync();
Console.WriteLine($"READY {port}");
await app.WaitForShutdownAsync();
return 0;
