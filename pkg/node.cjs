// Node (CommonJS): `require("magnus-s3")`. Initialized on load.
"use strict";
const glue = require("./dist/magnus_s3.cjs");

module.exports = {
  S3RunLogStore: glue.S3RunLogStore,
  signRequest: glue.signRequest,
  presignUrl: glue.presignUrl,
  init: async () => {},
};
