package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"mimamori/cloud/store"
)

// CreateUser implements store.Store. The checks and the insert share one
// write transaction, so two concurrent sign-ups cannot both take the last
// place under the cap.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	email := strings.TrimSpace(u.Email)
	if email == "" || u.Tenant == "" {
		return errors.New("sqlite: create user: empty email or tenant")
	}
	created := unixUS(u.CreatedAt)
	if created == 0 {
		created = s.nowUS()
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		tid, ok, err := tenantID(ctx, tx, u.Tenant)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("tenant %s: %w", u.Tenant, store.ErrNotFound)
		}
		var n int
		// The column's NOCASE collation makes this comparison ignore case.
		if err := tx.QueryRowContext(ctx,
			`SELECT count(*) FROM users WHERE email = ?`, email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return store.ErrEmailTaken
		}
		if err := tx.QueryRowContext(ctx,
			`SELECT count(*) FROM users WHERE tenant_id = ?`, tid).Scan(&n); err != nil {
			return err
		}
		if n >= store.MaxUsersPerTenant {
			return store.ErrUserLimit
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO users (email, tenant_id, display_name, password_hash, admin, created_us)
			VALUES (?, ?, ?, ?, ?, ?)`,
			email, tid, u.DisplayName, u.PasswordHash, boolInt(u.Admin), created)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: create user %s: %w", email, err)
	}
	return nil
}

// UserByEmail implements store.Store; the email is matched without regard
// to ASCII case.
func (s *Store) UserByEmail(ctx context.Context, email string) (store.User, error) {
	var u store.User
	var created int64
	err := s.r.QueryRowContext(ctx, `
		SELECT u.email, t.name, u.display_name, u.password_hash, u.admin, u.created_us
		FROM users u JOIN tenants t ON t.id = u.tenant_id
		WHERE u.email = ?`, strings.TrimSpace(email)).
		Scan(&u.Email, &u.Tenant, &u.DisplayName, &u.PasswordHash, &u.Admin, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("sqlite: user %s: %w", email, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: user %s: %w", email, err)
	}
	u.CreatedAt = fromUS(created)
	return u, nil
}

// CreateSession implements store.Store. It also drops expired sessions, so
// that the table does not grow with every abandoned login.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	if len(sess.TokenHash) == 0 || sess.ExpiresAt.IsZero() {
		return errors.New("sqlite: create session: empty token hash or expiry")
	}
	now := s.nowUS()
	created := unixUS(sess.CreatedAt)
	if created == 0 {
		created = now
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var tid int64
		var tenant string
		err := tx.QueryRowContext(ctx, `
			SELECT u.tenant_id, t.name FROM users u JOIN tenants t ON t.id = u.tenant_id
			WHERE u.email = ?`, sess.Email).Scan(&tid, &tenant)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %s: %w", sess.Email, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if sess.Tenant != "" && sess.Tenant != tenant {
			return fmt.Errorf("user %s belongs to tenant %s, not %s", sess.Email, tenant, sess.Tenant)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_us <= ?`, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO sessions (token_hash, email, tenant_id, created_us, expires_us, mfa_done)
			VALUES (?, ?, ?, ?, ?, ?)`,
			sess.TokenHash, sess.Email, tid, created, unixUS(sess.ExpiresAt), boolInt(sess.MFADone))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	return nil
}

// SessionByToken implements store.Store.
func (s *Store) SessionByToken(ctx context.Context, tokenHash []byte) (store.Session, error) {
	sess := store.Session{TokenHash: tokenHash}
	var created, expires int64
	err := s.r.QueryRowContext(ctx, `
		SELECT t.name, s.email, s.created_us, s.expires_us, s.mfa_done
		FROM sessions s JOIN tenants t ON t.id = s.tenant_id
		WHERE s.token_hash = ? AND s.expires_us > ?`, tokenHash, s.nowUS()).
		Scan(&sess.Tenant, &sess.Email, &created, &expires, &sess.MFADone)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("sqlite: session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlite: session: %w", err)
	}
	sess.CreatedAt, sess.ExpiresAt = fromUS(created), fromUS(expires)
	return sess, nil
}

// DeleteSession implements store.Store.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}
