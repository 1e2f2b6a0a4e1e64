package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/ticket/redisstore"
)

const customersUsage = `usage: frontdesk customers forget [-config PATH] [-by NAME] ADDRESS|PHONE
  erase a customer everywhere (right to erasure, GDPR art. 17): their tickets'
  messages, attachments and original mails, their record, addresses and numbers;
  each ticket is left closed with an "erased" event
`

// customersTimeout bounds one customers command; erasing a customer with
// thousands of tickets takes seconds.
const customersTimeout = 5 * time.Minute

// runCustomers runs `frontdesk customers SUBCOMMAND`.
func runCustomers(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "forget" {
		fmt.Fprint(stderr, customersUsage)
		return exitUsage
	}
	return runCustomersForget(ctx, args[1:], stdout, stderr)
}

// runCustomersForget erases the customer known by an address or number.
func runCustomersForget(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("customers forget", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, customersUsage) }
	configPath := fs.String("config", "", "configuration file (default $FRONTDESK_CONFIG or ./frontdesk.yaml)")
	by := fs.String("by", "", "who erases, for the erased event (default: cli:$USER)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(rest) != 1 {
		fmt.Fprintf(stderr, "frontdesk customers forget: give one ADDRESS or PHONE\n\n%s", customersUsage)
		return exitUsage
	}
	if *by == "" {
		*by = "cli"
		if u, err := user.Current(); err == nil && u.Username != "" {
			*by = "cli:" + u.Username
		}
	}
	cfg, ok := readConfig(*configPath, stderr)
	if !ok {
		return exitFailure
	}
	return withRedis(ctx, cfg, stderr, customersTimeout, func(ctx context.Context, rdb redis.UniversalClient) int {
		store := redisstore.New(rdb, &redisstore.Options{Prefix: cfg.Redis.Prefix, Logger: newLogger(cfg.Log, stderr)})
		if _, err := store.CheckSchema(ctx); err != nil {
			printAccountsError(stderr, err)
			return exitFailure
		}
		d := desk.New(store, cfg, &desk.Options{Redis: rdb, Logger: newLogger(cfg.Log, stderr)})
		f, err := d.ForgetCustomer(ctx, rest[0], *by)
		switch {
		case errors.Is(err, fault.ErrNotFound):
			fmt.Fprintf(stderr, "frontdesk: no customer is known by %s (forgotten already, or never known)\n", strings.TrimSpace(rest[0]))
			return exitFailure
		case err != nil:
			printAccountsError(stderr, err)
			fmt.Fprintln(stderr, "frontdesk: run the same command again to finish the erasure")
			return exitFailure
		}
		fmt.Fprintf(stdout, "erased customer %s: %d tickets (each left closed with an erased event), %d addresses, %d numbers\n",
			f.CustomerID, len(f.Tickets), f.Emails, f.Phones)
		if len(f.Tickets) > 0 {
			fmt.Fprintf(stdout, "tickets: %s\n", strings.Join(f.Tickets, " "))
		}
		fmt.Fprintln(stdout, "mail still in the mailboxes' folders and backups is not touched: delete it there too (docs/operations.md)")
		return exitOK
	})
}
