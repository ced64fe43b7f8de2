// Preloaded (`node --import`) into a measured child: its peak resident memory, on stderr as it exits.
process.on('exit', () => {
  process.stderr.write(`\nMAX_RSS_KB ${process.resourceUsage().maxRSS}\n`);
});
