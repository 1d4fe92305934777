"""What the live and the review screens share: the Line-API transcript base and the help screen."""
