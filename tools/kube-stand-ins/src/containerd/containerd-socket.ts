/**
 * The gRPC address a containerd config names: `[grpc] address = "..."` of a version 3 config.
 * A minimal reading of TOML: enough for the stand-in, which only needs the socket.
 */
export function grpcAddressFromConfig(toml: string): string | undefined {
  let section = '';
  for (const raw of toml.split('\n')) {
    const line = raw.trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    const entry = /^address\s*=\s*"([^"]*)"/.exec(line);
    if (entry && section === 'grpc') return entry[1];
  }
  return undefined;
}
