using Microsoft.Extensions.Hosting;
using OrleansChat.Grains.Hosting;
using OrleansChat.Silo;

// "Silo migrate" applies the PostgreSQL schema and exits (also run as a Kubernetes job).
if (await SiloCommands.TryRunAsync(args) is { } exitCode)
{
    return exitCode;
}

var builder = Host.CreateApplicationBuilder(args);
var orleans = OrleansHostOptions.From(builder.Configuration);
builder.UseOrleans(silo => silo.UseChatClustering(orleans).AddChatGrains(builder.Configuration));
await builder.Build().RunAsync();
return 0;
