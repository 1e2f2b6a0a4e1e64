package main

import (
	"fmt"
	"io"
	"os"

	"frontdesk/intake/mailparse"
)

const inspectUsage = "usage: frontdesk inspect FILE   (FILE - reads standard input)\n"

// runInspect prints, as JSON, what email intake makes of one message (the
// "Inspect output" of the interface). It needs no configuration and no Redis.
func runInspect(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" {
		fmt.Fprint(stderr, inspectUsage)
		return exitUsage
	}
	name := args[0]
	var (
		raw []byte
		err error
	)
	if name == "-" {
		raw, err = io.ReadAll(stdin)
		name = "standard input"
	} else {
		raw, err = os.ReadFile(name)
	}
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk inspect: read %s: %v\n", name, err)
		return exitFailure
	}
	m, err := mailparse.Parse(raw, nil)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk inspect: %s: %v\n", name, err)
		return exitFailure
	}
	out, err := m.InspectJSON()
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk inspect: %s: %v\n", name, err)
		return exitFailure
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", out); err != nil {
		fmt.Fprintf(stderr, "frontdesk inspect: write: %v\n", err)
		return exitFailure
	}
	return exitOK
}
