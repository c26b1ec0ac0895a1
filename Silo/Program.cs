using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using OrleansChat.Grains.Hosting;
using OrleansChat.Hosting.Clustering;
using OrleansChat.Hosting.Operations;
using OrleansChat.Silo;
using OrleansChat.Silo.Operations;

// "Silo migrate" applies the PostgreSQL schema and exits (also run as a Kubernetes job).
if (await SiloCommands.TryRunAsync(args) is { } exitCode)
{
    return exitCode;
}

var builder = WebApplication.CreateBuilder(args);
var orleans = OrleansHostOptions.From(builder.Configuration);
builder.UseOrleans(silo => silo.UseChatClustering(orleans).AddChatGrains(builder.Configuration).AddChatDashboard(builder.Configuration));
builder.AddSiloOperations(orleans);
var app = builder.Build();
app.MapChatOperations(builder.Configuration);
await app.RunAsync();
return 0;
