// Command ferretdb-launcher runs an embedded FerretDB (MongoDB wire protocol) on the stack's
// PostgreSQL for the API's single-machine default; see stack/database/embedded-mongo.ts for the Node
// side.
//
// It listens on a loopback TCP address (port 0 picks a free port) and stores the documents in the
// PostgreSQL database that -postgresql-url names. That URL carries no password, and the launcher's
// environment none either: FerretDB 1.x connects to PostgreSQL with the credentials each client gives
// (SASL PLAIN), so a client without the role's password is refused by PostgreSQL. It writes exactly
// one JSON line to standard output once it accepts connections:
//
//	{"event":"ready","uri":"mongodb://127.0.0.1:PORT/","address":"127.0.0.1:PORT","pid":1234}
//
// It stops when it receives SIGINT or SIGTERM, when its standard input reaches end-of-file
// (-exit-on-stdin-close: the owning process holds the write end of a pipe, which the kernel closes
// even when that process crashes), and when its parent process goes away (-parent-pid).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// gcPercent is the Go collector's target when GOGC is not set: FerretDB decodes every document it
// returns into many small objects, and with Go's default (100) collecting them took a large share of its
// CPU on a page of records; its heap stays small, so trading memory for fewer collections is cheap.
const gcPercent = 400

// parentPollInterval is how often the launcher checks that its parent process is still alive.
const parentPollInterval = 500 * time.Millisecond

type options struct {
	listen           string
	postgresqlURL    string
	logLevel         slog.Level
	parentPID        int
	exitOnStdinClose bool
}

func parseOptions(args []string) (*options, error) {
	fs := flag.NewFlagSet("ferretdb-launcher", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "TCP address to listen on; a loopback host, port 0 picks a free port")
	postgresqlURL := fs.String("postgresql-url", "", "PostgreSQL URL of the documents' database and role, without a password (clients authenticate)")
	logLevel := fs.String("log-level", "warn", "FerretDB log level: debug, info, warn or error")
	parentPID := fs.Int("parent-pid", 0, "exit when this process is no longer the launcher's parent (0: do not watch)")
	exitOnStdinClose := fs.Bool("exit-on-stdin-close", false, "exit when standard input reaches end-of-file")

	if err := fs.Parse(args); err != nil {
		return nil, err
	}

	if *postgresqlURL == "" {
		return nil, errors.New("-postgresql-url is required: the PostgreSQL database where FerretDB keeps the documents")
	}
	parsed, err := url.Parse(*postgresqlURL)
	if err != nil || (parsed.Scheme != "postgres" && parsed.Scheme != "postgresql") {
		return nil, fmt.Errorf("-postgresql-url is not a postgres:// URL")
	}
	if _, hasPassword := parsed.User.Password(); hasPassword {
		return nil, errors.New("-postgresql-url must not carry a password (a command line is visible to every local user): clients authenticate with their own")
	}

	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return nil, fmt.Errorf("-listen %q is not host:port: %w", *listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("-listen %q: the embedded database only listens on a loopback address such as 127.0.0.1", *listen)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return nil, fmt.Errorf("-log-level %q: %w", *logLevel, err)
	}

	return &options{
		listen:           *listen,
		postgresqlURL:    *postgresqlURL,
		logLevel:         level,
		parentPID:        *parentPID,
		exitOnStdinClose: *exitOnStdinClose,
	}, nil
}

// watchStdin cancels the context when standard input reaches end-of-file or fails.
func watchStdin(cancel context.CancelCauseFunc) {
	_, err := io.Copy(io.Discard, os.Stdin)
	if err == nil {
		err = io.EOF
	}
	cancel(fmt.Errorf("standard input closed (%w): the owning process has gone", err))
}

// watchParent cancels the context once the launcher's parent is no longer pid: on Linux and macOS
// an orphaned process is re-parented, so its parent PID changes.
func watchParent(ctx context.Context, cancel context.CancelCauseFunc, pid int) {
	ticker := time.NewTicker(parentPollInterval)
	defer ticker.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if os.Getppid() != pid {
				cancel(fmt.Errorf("parent process %d has exited", pid))
				return
			}
		}
	}
}

func run(opts *options) error {
	// pgx would otherwise take a password from PGPASSWORD or a password file, and hand it to clients
	// that gave none.
	for _, name := range []string{"PGPASSWORD", "PGPASSFILE", "PGSERVICEFILE", "PGSERVICE"} {
		if err := os.Unsetenv(name); err != nil {
			return err
		}
	}
	if err := os.Setenv("PGPASSFILE", os.DevNull); err != nil {
		return err
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: opts.logLevel}))

	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}

	if opts.parentPID != 0 && os.Getppid() != opts.parentPID {
		return fmt.Errorf("-parent-pid %d is not this process's parent (%d)", opts.parentPID, os.Getppid())
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)

	signals, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	go func() {
		<-signals.Done()
		if ctx.Err() == nil {
			cancel(errors.New("received a termination signal"))
		}
	}()

	if opts.exitOnStdinClose {
		go watchStdin(cancel)
	}
	if opts.parentPID != 0 {
		go watchParent(ctx, cancel, opts.parentPID)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: opts.listen},
		Logger:        logger,
		Handler:       "postgresql",
		PostgreSQLURL: opts.postgresqlURL,
	})
	if err != nil {
		return fmt.Errorf("starting FerretDB: %w", err)
	}

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	// MongoDBURI waits until Run has bound the listener, so the port below is the real one.
	uri := f.MongoDBURI()
	host := uri[len("mongodb://") : len(uri)-1]
	ready, err := json.Marshal(map[string]any{"event": "ready", "uri": uri, "address": host, "pid": os.Getpid()})
	if err != nil {
		return err
	}
	if _, err = fmt.Fprintln(os.Stdout, string(ready)); err != nil {
		cancel(fmt.Errorf("writing the ready line: %w", err))
	}

	runErr := <-done
	logger.Info("FerretDB stopped", slog.String("cause", context.Cause(ctx).Error()))
	return runErr
}

func main() {
	opts, err := parseOptions(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "ferretdb-launcher:", err)
		os.Exit(2)
	}

	if err = run(opts); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher:", err)
		os.Exit(1)
	}
}
