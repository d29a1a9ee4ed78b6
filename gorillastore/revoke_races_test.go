package gorillastore_test

// Races against "log out everywhere" (from a red team of issue 13) that
// held from the start, kept as regression tests.

import (
	"net/http"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The password-change flow with gorilla: RegenerateID writes the new ID
// before it returns, so session.ID names a committed, indexed session, and
// DeleteUserSessions(except it) keeps the current session.
func TestLogOutOthersAfterRegenerateIDKeepsTheCurrentSession(t *testing.T) {
	eachSetup(t, func(t *testing.T, f *fleet) {
		f.handle("/change-password", func(in *gorillaInstance, s *sessions.Session, w http.ResponseWriter, r *http.Request) {
			require.NoError(t, in.store.RegenerateID(r, w, s))
			_, err := in.store.DeleteUserSessions(r.Context(), s.Values["user_id"].(string), s.ID)
			require.NoError(t, err)
		})
		phone, laptop := &browser{}, &browser{}
		f.do(1, phone, "/put?user_id=ada")
		f.do(0, laptop, "/put?user_id=ada")
		f.do(0, laptop, "/change-password")
		assert.Equal(t, []string{f.id(laptop)}, f.aliveOf("ada"))
		body, _ := f.do(1, laptop, "/get?k=user_id")
		assert.Equal(t, "ada", body)
	}, bindByUserID)
}
