using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace OrleansChat.Gateway.Media.Upload;

/// <summary>A voice message as it will be stored: a file in the canonical format and its measured duration.</summary>
public sealed record ProcessedVoice(string Path, string Mime, int DurationMs);

/// <summary>
/// Checks and transcodes voice uploads with ffprobe and ffmpeg (Debian's ffmpeg, run as a child process with an argument
/// list, never a shell). Every upload, whatever it came as, is stored as ONE canonical format: AAC-LC, mono, in an M4A
/// (MP4) file with its index at the front. Why one and why that one: mini-programs' InnerAudioContext plays AAC, M4A,
/// MP3 and WAV but not Opus (which browsers' MediaRecorder records), while every browser (Chrome, Firefox, Safari) plays
/// AAC in MP4; so an M4A recorded anywhere plays everywhere, with no per-request transcoding and one file per message.
/// Transcoding every upload (even an M4A) also drops whatever metadata it carried and makes the duration the server's
/// own measurement: browsers' WebM recordings often carry no duration at all.
/// </summary>
public sealed class VoiceProcessor(MediaOptions options)
{
    public const string CanonicalMime = "audio/mp4";

    /// <summary>What ffprobe calls each container it must find where the magic bytes said.</summary>
    private static readonly Dictionary<MediaFormat, string> ContainerNames = new()
    {
        [MediaFormat.Adts] = "aac",
        [MediaFormat.Mp3] = "mp3",
        [MediaFormat.M4a] = "mov,mp4,m4a,3gp,3g2,mj2",
        [MediaFormat.Wav] = "wav",
        [MediaFormat.Ogg] = "ogg",
        [MediaFormat.WebM] = "matroska,webm",
    };

    /// <summary>The codecs each container may carry for a voice message.</summary>
    private static readonly Dictionary<MediaFormat, string[]> Codecs = new()
    {
        [MediaFormat.Adts] = ["aac"],
        [MediaFormat.Mp3] = ["mp3"],
        [MediaFormat.M4a] = ["aac", "alac", "mp3"],
        [MediaFormat.Wav] = ["pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_u8", "pcm_f32le", "pcm_alaw", "pcm_mulaw"],
        [MediaFormat.Ogg] = ["opus", "vorbis"],
        [MediaFormat.WebM] = ["opus", "vorbis"],
    };

    /// <summary>Transcodes <paramref name="path"/> into <paramref name="outputPath"/>; refuses anything that is not one clean audio stream.</summary>
    public async Task<ProcessedVoice> ProcessAsync(string path, MediaFormat format, string outputPath, CancellationToken cancellationToken)
    {
        var probe = await ProbeAsync(path, cancellationToken)
            ?? throw MediaRefusedException.Invalid($"the {MediaFormats.Describe(format)} audio cannot be read (truncated or corrupt)");
        if (probe.Container != ContainerNames[format])
        {
            throw MediaRefusedException.Invalid($"the file starts like {MediaFormats.Describe(format)} but reads as {probe.Container}");
        }

        if (probe.Streams is not [var only] || only.Type != "audio" || !Codecs[format].Contains(only.Codec))
        {
            throw MediaRefusedException.Unsupported($"a voice message must be one audio stream ({string.Join(", ", Codecs[format])} in {MediaFormats.Describe(format)}); this has {Describe(probe.Streams)}");
        }

        // -xerror: a decoding error (a truncated or corrupt stream) fails the upload instead of being skipped. -t caps the
        // work at just over the longest allowed message, whatever the header claims.
        var limit = (options.MaxVoiceDuration + TimeSpan.FromSeconds(1)).TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var (exit, errors) = await RunAsync(options.FfmpegPath,
            ["-nostdin", "-v", "error", "-xerror", "-i", path, "-t", limit, "-map", "0:a:0", "-map_metadata", "-1", "-vn", "-ac", "1",
             "-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart", "-f", "mp4", "-y", outputPath], cancellationToken);
        if (exit != 0 || errors.Length > 0)
        {
            throw MediaRefusedException.Invalid($"the {MediaFormats.Describe(format)} audio does not decode cleanly: {FirstLine(errors)}");
        }

        var output = await ProbeAsync(outputPath, cancellationToken) ?? throw new InvalidOperationException("ffprobe cannot read ffmpeg's own output");
        var durationMs = (int)Math.Round(output.DurationSeconds * 1000);
        if (durationMs < 1)
        {
            throw MediaRefusedException.Invalid("the audio is empty");
        }

        if (durationMs > options.MaxVoiceDuration.TotalMilliseconds)
        {
            throw MediaRefusedException.TooLarge($"a voice message may last at most {options.MaxVoiceDuration.TotalSeconds:0} s");
        }

        return new ProcessedVoice(outputPath, CanonicalMime, durationMs);
    }

    private sealed record Probe(string Container, double DurationSeconds, IReadOnlyList<(string Type, string Codec)> Streams);

    private async Task<Probe?> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var (exit, output) = await RunAsync(options.FfprobePath,
            ["-v", "error", "-show_entries", "format=format_name,duration:stream=codec_type,codec_name", "-of", "json", path], cancellationToken, readStdout: true);
        if (exit != 0)
        {
            return null;
        }

        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        if (!root.TryGetProperty("format", out var formatElement))
        {
            return null;
        }

        var duration = formatElement.TryGetProperty("duration", out var d) && double.TryParse(d.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : 0;
        var streams = root.TryGetProperty("streams", out var s)
            ? s.EnumerateArray().Select(e => (Text(e, "codec_type"), Text(e, "codec_name"))).ToList()
            : [];
        return new Probe(Text(formatElement, "format_name"), duration, streams);
    }

    private static string Text(JsonElement element, string name) => element.TryGetProperty(name, out var value) ? value.GetString() ?? "" : "";

    private static string Describe(IReadOnlyList<(string Type, string Codec)> streams) =>
        streams.Count == 0 ? "no streams" : string.Join(", ", streams.Select(s => $"{s.Type} {s.Codec}"));

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "exit code";

    /// <summary>Runs a tool with a time limit; returns its exit code and its stdout (readStdout) or stderr.</summary>
    private async Task<(int Exit, string Output)> RunAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken, bool readStdout = false)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.TranscodeTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw cancellationToken.IsCancellationRequested
                ? new OperationCanceledException(cancellationToken)
                : MediaRefusedException.Invalid($"the audio took longer than {options.TranscodeTimeout.TotalSeconds:0} s to process");
        }

        return (process.ExitCode, readStdout ? await stdout : await stderr);
    }
}
