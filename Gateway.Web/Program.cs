using OrleansChat.Gateway.Hosting;

await GatewayApp.Build(args).RunAsync();
