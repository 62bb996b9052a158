mod tagging;
