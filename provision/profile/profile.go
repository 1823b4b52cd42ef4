package profile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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

var (
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9_.@+\-]{1,64}$`)
	keyIDRE  = regexp.MustCompile(`^[A-Za-z0-9]{16,128}$`)
	regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
)

// ErrExists is returned when the profile is already in a file and Force is not set.
var ErrExists = errors.New("profile exists")

// Validate checks a profile before anything is written.
func (p Profile) Validate() error {
	switch {
	case !nameRE.MatchString(p.Name):
		return fmt.Errorf("profile name %q: use 1 to 64 letters, digits or _ . @ + -", p.Name)
	case p.AccessKeyID == "":
		return errors.New("no access key id given")
	case p.EndpointURL == "" && !keyIDRE.MatchString(p.AccessKeyID):
		return errors.New("the access key id should be 16 to 128 letters and digits, such as AKIAIOSFODNN7EXAMPLE")
	case p.SecretAccessKey == "":
		return errors.New("no secret access key given")
	case p.Region != "" && !regionRE.MatchString(p.Region):
		return fmt.Errorf("region %q: expected an AWS region such as us-east-1", p.Region)
	}
	switch p.Output {
	case "", "json", "text", "table", "yaml", "yaml-stream":
	default:
		return fmt.Errorf("output format %q: expected json, text, table, yaml or yaml-stream", p.Output)
	}
	return nil
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
			return false, err
		}
		if parse(data).has(path.section) {
			return true, nil
		}
	}
	return false, nil
}

// Write adds or (with force) updates the profile in both files. Files are
// created 0600 in a 0700 directory; existing files keep their mode. Each file
// is replaced atomically, and if the second write fails the first is rolled
// back, so a failure leaves both files as they were.
func Write(files Files, p Profile, force bool) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if !force {
		exists, err := Exists(files, p.Name)
		if err != nil {
			return err
		}
		if exists {
			return ErrExists
		}
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
	oldCreds, credsExisted, err := readIfExists(files.Credentials)
	if err != nil {
		return err
	}
	if err := edit(files.Credentials, oldCreds, func(f *file) { f.set(p.Name, creds) }); err != nil {
		return err
	}
	oldConf, _, err := readIfExists(files.Config)
	if err == nil && len(conf) > 0 {
		err = edit(files.Config, oldConf, func(f *file) { f.set(configSection(p.Name), conf) })
	}
	if err != nil {
		// Put the credentials file back as it was.
		if credsExisted {
			_ = replace(files.Credentials, oldCreds)
		} else {
			_ = os.Remove(files.Credentials)
		}
		return err
	}
	return nil
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

func edit(path string, old []byte, change func(*file)) error {
	f := parse(old)
	change(f)
	return replace(path, f.bytes())
}

// replace writes data to path through a temporary file and a rename.
func replace(path string, data []byte) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}
	mode := os.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
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
