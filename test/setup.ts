// Every test process is hermetic: nodes bind to loopback unless a test says otherwise, so
// nothing a test starts can broadcast on a real interface. Quiet logs unless asked for.
process.env.GAME_IP ??= '127.0.0.1';
process.env.LANPARTY_LOG ??= 'silent';
// Marks this process (and, through the helpers, every node it starts) as under test: nodes
// then refuse to broadcast on any interface the test did not create.
process.env.LANPARTY_TEST = '1';
