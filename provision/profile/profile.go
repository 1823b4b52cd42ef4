package profile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spk-cli/spk/internal/awsname"
)

// Profile is what `spk create-profile` writes.
type Profile struct {
	Name            string
	AccessKeyID     string
	SecretAccessKey string // never printed or logged
	Region          string
	Output          string // json, text, table, yaml, yaml-stream; may be empty
	EndpointURL     string // for a profile of the embedded endpoint
}

// Files are the shared files a profile is written to.
type Files struct {
	Credentials string
	Config      string
}

// DefaultFiles honours AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, as
// the AWS CLI does, and otherwise uses ~/.aws.
func DefaultFiles(lookupEnv func(string) (string, bool)) (Files, error) {
	var f Files
	home, err := os.UserHomeDir()
	if v, ok := lookupEnv("AWS_SHARED_CREDENTIALS_FILE"); ok && v != "" {
		f.Credentials = v
	} else if err == nil {
		f.Credentials = filepath.Join(home, ".aws", "credentials")
	}
	if v, ok := lookupEnv("AWS_CONFIG_FILE"); ok && v != "" {
		f.Config = v
	} else if err == nil {
		f.Config = filepath.Join(home, ".aws", "config")
	}
	if f.Credentials == "" || f.Config == "" {
		return f, fmt.Errorf("cannot find the home directory for ~/.aws: %v; set AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE", err)
	}
	return f, nil
}

// validName: 1 to 64 letters, digits or _ . @ + -.
func validName(s string) bool {
	return len(s) >= 1 && len(s) <= 64 && awsname.Only(s, func(c byte) bool {
		return awsname.AlphaNum(c) || strings.IndexByte("_.@+-", c) >= 0
	})
}

// validKeyID: 16 to 128 letters and digits, as IAM's access key ids.
func validKeyID(s string) bool {
	return len(s) >= 16 && len(s) <= 128 && awsname.Only(s, awsname.AlphaNum)
}

// ErrExists is returned when the profile is already in a file and Force is not set.
var ErrExists = errors.New("profile exists")

// ValidateSettings checks what a profile holds besides its keys, so a
// mistake there is found before anyone is asked for a secret.
func (p Profile) ValidateSettings() error {
	switch {
	case !validName(p.Name):
		return fmt.Errorf("profile name %q: use 1 to 64 letters, digits or _ . @ + -", p.Name)
	case p.Region != "" && !awsname.Region(p.Region):
		return fmt.Errorf("region %q: expected an AWS region such as us-east-1", p.Region)
	}
	switch p.Output {
	case "", "json", "text", "table", "yaml", "yaml-stream":
	default:
		return fmt.Errorf("output format %q: expected json, text, table, yaml or yaml-stream", p.Output)
	}
	return nil
}

// Validate checks a profile before anything is written.
func (p Profile) Validate() error {
	if err := p.ValidateSettings(); err != nil {
		return err
	}
	switch {
	case p.AccessKeyID == "":
		return errors.New("no access key id given")
	case p.EndpointURL == "" && !validKeyID(p.AccessKeyID):
		return errors.New("the access key id should be 16 to 128 letters and digits, such as AKIAIOSFODNN7EXAMPLE")
	case hasBlank(p.AccessKeyID):
		return errors.New("the access key id holds a space, a line break or a control character: give it on one line, as IAM shows it")
	case p.SecretAccessKey == "":
		return errors.New("no secret access key given")
	case hasBlank(p.SecretAccessKey):
		// A line break would end the value in the credentials file and
		// leave a line that breaks every profile's parsing.
		return errors.New("the secret access key holds a space, a line break or a control character: give it on one line, as IAM shows it")
	case hasBlank(p.EndpointURL):
		return fmt.Errorf("endpoint URL %q holds a space, a line break or a control character", p.EndpointURL)
	}
	return nil
}

// hasBlank reports whether s holds a space or a control character.
func hasBlank(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0
}

// configSection is the header the config file uses: "default" or "profile NAME".
func configSection(name string) string {
	if name == "default" {
		return "default"
	}
	return "profile " + name
}

// Exists reports whether the profile is in either file.
func Exists(files Files, name string) (bool, error) {
	for _, path := range []struct{ path, section string }{{files.Credentials, name}, {files.Config, configSection(name)}} {
		data, err := os.ReadFile(path.path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return false, fmt.Errorf("cannot read %s: %w", path.path, err)
		}
		if parse(data).has(path.section) {
			return true, nil
		}
	}
	return false, nil
}

// Report says what Write did beyond writing the profile.
type Report struct {
	// Tightened lists the files whose permissions Write narrowed.
	Tightened []Tightened
}

// Tightened is a file that held secrets others could read.
type Tightened struct {
	Path     string // the file written (a symlink's target)
	From, To os.FileMode
}

// Write adds or (with force) updates the profile in both files. Files are
// created 0600 in a 0700 directory; existing files keep their mode, except
// that a credentials file group or others can read is narrowed to 0600,
// since it now holds a secret (the Report says so). A symlinked file is
// written through to its target, and the link is kept. Each file is
// replaced atomically, and if the second write fails the first is rolled
// back, so a failure leaves both files as they were.
func Write(files Files, p Profile, force bool) (Report, error) {
	var rep Report
	if err := p.Validate(); err != nil {
		return rep, err
	}
	if !force {
		exists, err := Exists(files, p.Name)
		if err != nil {
			return rep, err
		}
		if exists {
			return rep, ErrExists
		}
	}
	credsPath, err := resolve(files.Credentials)
	if err != nil {
		return rep, err
	}
	confPath, err := resolve(files.Config)
	if err != nil {
		return rep, err
	}
	creds := [][2]string{{"aws_access_key_id", p.AccessKeyID}, {"aws_secret_access_key", p.SecretAccessKey}}
	var conf [][2]string
	if p.Region != "" {
		conf = append(conf, [2]string{"region", p.Region})
	}
	if p.Output != "" {
		conf = append(conf, [2]string{"output", p.Output})
	}
	if p.EndpointURL != "" {
		conf = append(conf, [2]string{"endpoint_url", p.EndpointURL})
	}
	oldCreds, credsExisted, err := readIfExists(credsPath)
	if err != nil {
		return rep, err
	}
	oldMode := os.FileMode(0o600)
	if st, err := os.Stat(credsPath); err == nil {
		oldMode = st.Mode().Perm()
	}
	mode := oldMode
	// Windows keeps no such bits (Stat says 0666, Chmod sets only
	// read-only): the profile folder's access list protects the file, and
	// there is nothing to tighten or to claim tightened.
	if mode&0o077 != 0 && runtime.GOOS != "windows" {
		mode = 0o600
	}
	if err := edit(credsPath, oldCreds, mode, func(f *file) { f.set(p.Name, creds) }); err != nil {
		return rep, err
	}
	oldConf, _, err := readIfExists(confPath)
	if err == nil && len(conf) > 0 {
		err = edit(confPath, oldConf, 0, func(f *file) { f.set(configSection(p.Name), conf) })
	}
	if err != nil {
		// Put the credentials file back as it was.
		if credsExisted {
			_ = replace(credsPath, oldCreds, oldMode)
		} else {
			_ = os.Remove(credsPath)
		}
		return rep, err
	}
	if mode != oldMode {
		rep.Tightened = append(rep.Tightened, Tightened{Path: credsPath, From: oldMode, To: mode})
	}
	return rep, nil
}

// resolve follows symlinks to the file they name, even one not made yet,
// so that writing replaces the target and keeps the link.
func resolve(path string) (string, error) {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		return target, nil
	}
	// Missing, or a link to a file not made yet: follow it by hand.
	for range 40 {
		fi, err := os.Lstat(path)
		if errors.Is(err, os.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", path, err)
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", path, err)
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", fmt.Errorf("read %s: too many levels of symbolic links", path)
}

func readIfExists(path string) ([]byte, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	return data, true, nil
}

func edit(path string, old []byte, mode os.FileMode, change func(*file)) error {
	f := parse(old)
	change(f)
	return replace(path, f.bytes(), mode)
}

// replace writes data to path through a temporary file in the same
// directory and a rename, so a reader sees the old file or the new one.
// mode 0 keeps the existing file's mode (0600 for a new file).
func replace(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}
	if mode == 0 {
		mode = 0o600
		if st, err := os.Stat(path); err == nil {
			mode = st.Mode().Perm()
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".spk-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
