public enum CanonicalEncoding {}
