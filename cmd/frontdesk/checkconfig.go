package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"frontdesk/config"
	"frontdesk/desk"
)

// runCheckConfig validates the configuration: exit 0, or exit 1 with one line
// per problem, each naming the key.
func runCheckConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
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
	fmt.Fprintf(stdout, "%s: ok\n", path)
	if cfg.RulesFile != "" {
		fmt.Fprintf(stdout, "%s: ok\n", cfg.RulesFile)
	}
	return exitOK
}

// loadConfig loads and validates the configuration at path, and the rules
// file it names against it: what must hold before anything starts.
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if cfg.RulesFile != "" {
		if _, err := desk.CompileRulesFile(cfg, cfg.RulesFile); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// printConfigError writes one line per configuration problem.
func printConfigError(w io.Writer, path string, err error) {
	var cerr *config.Error
	if errors.As(err, &cerr) {
		for _, p := range cerr.Problems {
			if p.Path == "" {
				fmt.Fprintf(w, "%s: %s\n", path, p.Message)
			} else {
				fmt.Fprintln(w, p.String())
			}
		}
		return
	}
	fmt.Fprintf(w, "frontdesk: %v\n", err)
}
