package broker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"mimamori/cloud/ratelog"
)

// A sensor with a wrong password retries every few seconds, forever, and
// LTE links drop: logged line for line, either would bury the rest of the
// cloud's log. So refused logins are logged once per sensor (or once for
// all unknown user names) per loginLogEvery, with the attempts in between
// counted, and the embedded broker's own records are reshaped.

// loginLogEvery is how often refused logins of one user name are logged.
const loginLogEvery = 10 * time.Minute

// loginLog rate-limits the log of refused logins.
type loginLog struct {
	logger *slog.Logger
	limit  *ratelog.Limiter // by user name; "" for unknown ones
}

// refused logs a refused login of username (known says whether it is a
// sensor's) with its reason, unless one of the same key was logged less
// than loginLogEvery ago.
func (l *loginLog) refused(username string, known bool, reason, remote string) {
	key := ""
	if known {
		key = username
	}
	ok, suppressed := l.limit.Allow(key)
	if !ok {
		return
	}
	l.logger.Warn("broker: "+reason, "username", username, "remote", remote,
		"refused_since_last_logged", suppressed, "next_log_after", loginLogEvery)
}

// mochiHandler reshapes the embedded broker's records: a connection that
// ends in an error is logged by mochi at Warn with an empty message, which
// for a refused login repeats what loginLog said and otherwise is mostly a
// sensor's link dropping (it reconnects, and its spool keeps the data), so
// such records are kept at Debug or Info with a message; and the packet
// mochi dumps with a processing error, kilobytes long, is left out.
type mochiHandler struct{ slog.Handler }

func (h mochiHandler) Handle(ctx context.Context, r slog.Record) error {
	var cause error
	dump := false
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "error":
			cause, _ = a.Value.Any().(error)
		case "pk":
			dump = true
		}
		return true
	})
	if r.Message == "" {
		level, msg := slog.LevelInfo, "broker: connection ended"
		if errors.Is(cause, packets.ErrBadUsernameOrPassword) || errors.Is(cause, packets.ErrNotAuthorized) {
			level, msg = slog.LevelDebug, "broker: login refused"
		}
		if !h.Enabled(ctx, level) {
			return nil
		}
		out := slog.NewRecord(r.Time, level, msg, r.PC)
		r.Attrs(func(a slog.Attr) bool { out.AddAttrs(a); return true })
		return h.Handler.Handle(ctx, out)
	}
	if dump {
		out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
		r.Attrs(func(a slog.Attr) bool {
			if a.Key != "pk" {
				out.AddAttrs(a)
			}
			return true
		})
		return h.Handler.Handle(ctx, out)
	}
	return h.Handler.Handle(ctx, r)
}

func (h mochiHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return mochiHandler{h.Handler.WithAttrs(as)}
}

func (h mochiHandler) WithGroup(name string) slog.Handler {
	return mochiHandler{h.Handler.WithGroup(name)}
}
