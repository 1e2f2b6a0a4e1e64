package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"frontdesk/config"
)

// runServe runs frontdesk from its configuration until SIGINT or SIGTERM.
// A bad configuration stops it before anything starts; a Redis that does not
// answer does not: /readyz says 503 and the store is retried with backoff.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (default $FRONTDESK_CONFIG or ./frontdesk.yaml)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	path := config.Resolve(*configPath)
	cfg, err := loadConfig(path)
	if err != nil {
		printConfigError(stderr, path, err)
		return exitFailure
	}
	a, ln, closeApp, err := openApp(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	defer closeApp()
	a.logger.Info("configuration loaded", "path", path)
	if err := a.run(ctx, ln); err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	return exitOK
}
