// Command frontdesk is the front desk of a business: it turns customers' mails,
// calls, voicemails, texts and faxes into tickets queued in Redis, routes them,
// and delivers the assistants' answers. See README.md for the commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes, per the interface: 0 success, 1 failure, 2 usage error.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: frontdesk COMMAND [flags]

commands:
  serve [-config PATH]         run frontdesk (config: PATH, $FRONTDESK_CONFIG or ./frontdesk.yaml)
  demo [-listen ADDR]          run a self-contained demo; nothing is kept
  check-config [-config PATH]  validate the configuration
  inspect FILE|-               print what email intake makes of one message, as JSON
  rules test [-config PATH] [-mailbox NAME] FILE
                               show which routing rule matches a mail or ticket, and why
  users add [-config PATH] -role assistant|manager [-password-stdin] NAME
                               create a user; prints its API token on the last line
  users list [-config PATH]    list the users
  users disable|enable [-config PATH] NAME
                               end a user's sessions and tokens and keep them out, or let them in again
  users role [-config PATH] -role assistant|manager NAME
                               give a user another role
  users token [-config PATH] [-expires 90d] NAME
                               issue a new API token (last line) and revoke the user's others
  customers forget [-config PATH] [-by NAME] ADDRESS|PHONE
                               erase a customer everywhere (right to erasure), leaving an erased event
  jobs list|retry|purge [-config PATH] [-queue outbox|media] [ID...]
                               dead jobs (failed or unknown sends, downloads that gave up):
                               list them, put them back, or drop them
  version                      print the version
`

// run executes one command and returns the process's exit code. It is main
// without the process: tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "check-config":
		return runCheckConfig(rest, stdout, stderr)
	case "inspect":
		return runInspect(rest, stdin, stdout, stderr)
	case "rules":
		return runRules(ctx, rest, stdin, stdout, stderr)
	case "users":
		return runUsers(ctx, rest, stdin, stdout, stderr)
	case "customers":
		return runCustomers(ctx, rest, stdout, stderr)
	case "jobs":
		return runJobs(ctx, rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "frontdesk %s\n", version)
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "frontdesk: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}
