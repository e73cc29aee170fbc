using Guard.Rpc.Health;
using Guard.Rpc.Health.V1;
using Guard.Rpc.Tests.Support;
using ServingStatus = Guard.Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Guard.Rpc.Tests.EndToEnd;

/// <summary>grpc.health.v1.Health over the wire, with protobuf marshallers.</summary>
public class HealthTests
{
    [Fact]
    public async Task Check_answers_the_status_of_a_registered_service_and_of_the_server()
    {
        var health = new HealthService();
        health.SetStatus("", ServingStatus.Serving);
        health.SetStatus("model.A", ServingStatus.NotServing);
        await using var server = await TestServer.StartAsync(health.Register);
        var channel = server.CreateChannel();

        var a = await channel.UnaryAsync(HealthService.CheckMethod, new HealthCheckRequest { Service = "model.A" }, default).Within();
        var whole = await channel.UnaryAsync(HealthService.CheckMethod, new HealthCheckRequest(), default).Within();

        Assert.Equal(ServingStatus.NotServing, a.Response.Status);
        Assert.Equal(ServingStatus.Serving, whole.Response.Status);
    }

    [Fact]
    public async Task Check_of_an_unknown_service_is_not_found()
    {
        var health = new HealthService();
        await using var server = await TestServer.StartAsync(health.Register);
        var channel = server.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            channel.UnaryAsync(HealthService.CheckMethod, new HealthCheckRequest { Service = "nope" }, default).Within());

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task Watch_sends_the_current_status_then_every_change()
    {
        var health = new HealthService();
        health.SetStatus("model.B", ServingStatus.Serving);
        await using var server = await TestServer.StartAsync(health.Register);
        var channel = server.CreateChannel();

        using var call = channel.StartCall(HealthService.WatchMethod, default);
        await call.RequestStream.WriteAsync(new HealthCheckRequest { Service = "model.B" }, CancellationToken.None).Within();
        await call.RequestStream.CompleteAsync();

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);

        // The first message means the watcher is registered, so this change must reach it.
        health.SetStatus("model.B", ServingStatus.NotServing);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal(ServingStatus.NotServing, call.ResponseStream.Current.Status);

        health.SetStatus("model.B", ServingStatus.Serving);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Watch_of_an_unknown_service_says_service_unknown_then_follows_it()
    {
        var health = new HealthService();
        await using var server = await TestServer.StartAsync(health.Register);
        var channel = server.CreateChannel();

        using var call = channel.StartCall(HealthService.WatchMethod, default);
        await call.RequestStream.WriteAsync(new HealthCheckRequest { Service = "later" }, CancellationToken.None).Within();
        await call.RequestStream.CompleteAsync();

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal(ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);
        health.SetStatus("later", ServingStatus.Serving);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).Within());
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);
    }
}
