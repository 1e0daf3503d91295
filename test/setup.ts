// Every test process is hermetic: nodes bind to loopback unless a test says otherwise, so
// nothing a test starts can broadcast on a real interface. Quiet logs unless asked for.
process.env.GAME_IP ??= '127.0.0.1';
process.env.LANPARTY_LOG ??= 'silent';
