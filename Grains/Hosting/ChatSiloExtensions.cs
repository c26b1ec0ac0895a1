using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains.MessageLog;

namespace OrleansChat.Grains.Hosting;

public static class ChatSiloExtensions
{
    public static ISiloBuilder AddChatGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddOptions<ChatOptions>().Bind(configuration.GetSection(ChatOptions.Section));
        silo.Services.AddSingleton<IMessageLog, InMemoryMessageLog>();
        silo.AddMemoryGrainStorage("chat");
        return silo;
    }
}
